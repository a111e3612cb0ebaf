/**
 * One measurement, in a fresh process so peak memory belongs to this run only:
 * `tsx bench/component/child.ts <component|flat|k8s-component|k8s-flat> <cohorts>`. Prints one line
 * `RESULT {json}`: wall time from the first declaration until every
 * registration has completed under mocks, the custom resources registered,
 * peak RSS (process.resourceUsage().maxRSS) and sampled peak heap.
 */
import { performance } from "node:perf_hooks";
import type * as pulumi from "@pulumi/pulumi";
import {
  kubernetesBenchArgs,
  loadKubernetesModules,
  prepareKubernetes,
  runKubernetesComponent,
  runKubernetesFlat,
  type KubernetesVariant,
} from "./kubernetes.js";
import { installBenchMocks } from "./mocks.js";
import {
  benchArgs,
  loadProviderModules,
  prepare,
  runComponent,
  runFlat,
  type Variant,
} from "./programs.js";

export interface ChildResult {
  variant: Variant | KubernetesVariant;
  cohorts: number;
  customResources: number;
  registrations: number;
  ms: number;
  maxRssMb: number;
  peakHeapMb: number;
}

const USAGE = "usage: child.ts <component|flat|k8s-component|k8s-flat> <cohorts>";

/** The variant's program, its preparation done (before the clock starts). */
function program(variant: string | undefined, cohorts: number): () => pulumi.Output<unknown> {
  switch (variant) {
    case "component":
    case "flat": {
      const args = benchArgs(cohorts);
      const spec = prepare(variant, args);
      return () => (spec === undefined ? runComponent(args) : runFlat(spec));
    }
    case "k8s-component":
    case "k8s-flat": {
      const args = kubernetesBenchArgs(cohorts);
      const spec = prepareKubernetes(variant, args);
      return () => (spec === undefined ? runKubernetesComponent(args) : runKubernetesFlat(spec));
    }
    default:
      throw new Error(USAGE);
  }
}

async function main(): Promise<void> {
  // Pulumi captures `new Error().stack` for every resource and promise; tsx turns on
  // source-mapped stack traces, which would make the loader, not the program, dominate.
  process.setSourceMapsEnabled(false);
  const variant = process.argv[2];
  const cohorts = Number(process.argv[3]);
  if (!Number.isInteger(cohorts)) throw new Error(USAGE);
  loadProviderModules();
  loadKubernetesModules();
  const counter = installBenchMocks("bench", "bench");
  const run = program(variant, cohorts);
  let peakHeap = process.memoryUsage().heapUsed;
  const sampler = setInterval(() => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }, 5);
  const started = performance.now();
  const output = run();
  await new Promise((resolve) => output.apply(resolve));
  await counter.settled();
  const ms = performance.now() - started;
  clearInterval(sampler);
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  const result: ChildResult = {
    // program() accepted it.
    variant: variant as ChildResult["variant"],
    cohorts,
    customResources: counter.customResources,
    registrations: counter.requested,
    ms,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    peakHeapMb: peakHeap / 1024 / 1024,
  };
  console.log(`RESULT ${JSON.stringify(result)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
