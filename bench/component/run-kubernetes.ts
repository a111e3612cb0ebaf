/**
 * `npm run bench:component:k8s`: construction of 10, 50 and 100 Kubernetes cohorts under
 * Pulumi mocks, the component against a flat program declaring the same objects and alarms with
 * the same builders (bench/component/kubernetes.ts), each measurement in its own child process,
 * variants interleaved and repeated, medians of the paired ratios reported. Then every object
 * the component emits for the largest size is sent to a real kube-apiserver v1.33 (server-side
 * apply, `dryRun=All`, `fieldValidation=Strict`, Gateway API CRDs; namespaces applied for real):
 * none may be rejected. Without the control plane's binaries (scripts/ensure-k8s.sh) that part
 * is reported SKIPPED, loudly.
 *
 * Headline, printed last: `k8s_component_vs_flat_ratio_100: <component time / flat time>`
 * (goal <= 1.3, as on AWS). Exit 1 when it or the dry run's rejections miss their goals.
 *
 * Env: BENCH_SIZES (default "10,50,100"), BENCH_REPS (default 3).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { probeControlPlane, startControlPlane } from "../../test/support/control-plane.js";
import { GOALS } from "../goals.js";
import { BenchReport, median } from "../report.js";
import type { ChildResult } from "./child.js";
import type { KubernetesVariant } from "./kubernetes.js";
import { measure } from "./measure.js";

const OBJECTS = fileURLToPath(new URL("./kubernetes-objects.ts", import.meta.url));
const SIZES = (process.env.BENCH_SIZES ?? "10,50,100").split(",").map(Number);
const REPS = Number(process.env.BENCH_REPS ?? 3);
const VARIANTS: KubernetesVariant[] = ["k8s-component", "k8s-flat"];
/** Requests in flight to the API server during the dry run. */
const CONCURRENCY = 8;

const fixed = (n: number, digits = 1) => n.toFixed(digits);

/** Component/flat time ratios per repetition at `cohorts` (ratios within one run). */
function construction(cohorts: number): number[] {
  const runs: Record<KubernetesVariant, ChildResult[]> = { "k8s-component": [], "k8s-flat": [] };
  const ratios: number[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    // Alternate which variant goes first, so drift in machine load hits both alike.
    const order = rep % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
    for (const variant of order) runs[variant].push(measure(variant, cohorts));
    const [c, f] = [runs["k8s-component"].at(-1), runs["k8s-flat"].at(-1)];
    if (c && f) ratios.push(c.ms / f.ms);
  }
  const [c, f] = [runs["k8s-component"], runs["k8s-flat"]];
  const resources = (r: ChildResult[]) => r[0]?.customResources ?? 0;
  if (resources(c) !== resources(f)) {
    throw new Error(
      `the baseline is not the same program: ${resources(c)} vs ${resources(f)} resources at ${cohorts} cohorts`,
    );
  }
  for (const [variant, results] of [
    ["component", c],
    ["flat", f],
  ] as const) {
    const ms = median(results.map((r) => r.ms));
    console.log(
      `k8s-${variant.padEnd(9)} cohorts=${String(cohorts).padStart(3)} resources=${resources(results)} ` +
        `time_ms=${fixed(ms, 0)} resources_per_s=${fixed(resources(results) / (ms / 1000), 0)} ` +
        `max_rss_mb=${fixed(median(results.map((r) => r.maxRssMb)))}`,
    );
  }
  console.log(
    `ratio         cohorts=${String(cohorts).padStart(3)} component_vs_flat=${fixed(median(ratios), 2)} (median of ${REPS} paired runs)`,
  );
  return ratios;
}

/** Dry-runs the component's objects for `cohorts` on a real API server; undefined if absent. */
async function dryRun(
  cohorts: number,
): Promise<{ objects: number; rejected: string[]; ms: number } | undefined> {
  const probe = probeControlPlane();
  if (probe.tools === undefined) {
    console.warn(
      `!!! SKIPPED: k8s dry run: no control plane (${probe.reason ?? "?"}); run scripts/ensure-k8s.sh`,
    );
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), "bench-k8s-"));
  const file = join(dir, "objects.json");
  execFileSync(process.execPath, ["--import", "tsx", OBJECTS, String(cohorts), file], {
    stdio: ["ignore", "inherit", "inherit"],
  });
  const objects = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>[];
  rmSync(dir, { recursive: true, force: true });
  const plane = await startControlPlane(probe.tools);
  try {
    const rejected: string[] = [];
    const send = async (object: Record<string, unknown>) => {
      const result = await plane.apply(object, { dryRun: object.kind !== "Namespace" });
      if (result.status >= 300) {
        const name = (object.metadata as { name?: string }).name ?? "?";
        rejected.push(
          `${String(object.kind)}/${name}: ${result.status} ${String(result.body.message)}`,
        );
      }
    };
    const started = performance.now();
    const namespaces = objects.filter((o) => o.kind === "Namespace");
    const rest = objects.filter((o) => o.kind !== "Namespace");
    for (const batch of [namespaces, rest]) {
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < batch.length) {
            const object = batch[next++];
            if (object !== undefined) await send(object);
          }
        }),
      );
    }
    return { objects: objects.length, rejected, ms: performance.now() - started };
  } finally {
    plane.stop();
  }
}

async function main(): Promise<void> {
  const report = new BenchReport();
  const largest = Math.max(...SIZES);
  let ratios: number[] = [];
  for (const cohorts of SIZES) {
    const r = construction(cohorts);
    if (cohorts === largest) ratios = r;
  }
  const dry = await dryRun(largest);
  if (dry !== undefined) {
    for (const line of dry.rejected.slice(0, 20)) console.log(`  rejected ${line}`);
    console.log(
      `k8s dry run   cohorts=${largest} objects=${dry.objects} time_ms=${fixed(dry.ms, 0)} objects_per_s=${fixed(dry.objects / (dry.ms / 1000), 0)}`,
    );
    report.headline(
      `k8s_dry_run_rejected_${largest}`,
      dry.rejected.length,
      GOALS.k8sDryRunRejected,
      0,
    );
  }
  report.headline(
    `k8s_component_vs_flat_ratio_${largest}`,
    median(ratios),
    GOALS.componentVsFlatRatio,
  );
  report.finish();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
