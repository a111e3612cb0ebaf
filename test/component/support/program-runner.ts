/**
 * Runs the example program (stacks/program.ts: exactly what stacks/index.ts
 * runs) under GraphRecorder mocks, with a stack's config, and returns the
 * recorded graph and the resolved stack outputs.
 *
 * Reusable (the policy-pack tests use it too):
 *
 *   const dev = await runExampleStack("dev");                 // stacks/config/Pulumi.dev.yaml
 *   const edge = await runExampleStack("prod");               // the prod edge stack
 *   const free = await runExampleStack("prod.free", { edgeOutputs: edge.outputs });
 *   const changed = await runExampleStack("prod.free", {
 *     edgeOutputs: edge.outputs,
 *     config: { pin: { release: "r2", version: "2.0.0" } },  // overrides (keys without namespace)
 *     environment: { name: "prod", cohorts: [...] },         // inline definition instead of the YAML
 *   });
 *
 * Runs are sequential within a process (Pulumi's mocks and config are global).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import type { CohortOutput, EnvironmentOutput } from "../../../components/contract.js";
import { PROJECT, runProgram, type ProgramOutputs } from "../../../stacks/program.js";
import * as pulumi from "@pulumi/pulumi";
import { GraphRecorder, outputValue, type ResourceGraph } from "./graph-recorder.js";

export const STACK_CONFIG_DIR = fileURLToPath(new URL("../../../stacks/config/", import.meta.url));

/** A stack's config file as the program sees it: `project:key` -> string (objects as JSON). */
export function loadStackConfig(stack: string): Record<string, string> {
  const file = parse(readFileSync(`${STACK_CONFIG_DIR}Pulumi.${stack}.yaml`, "utf8")) as {
    config?: Record<string, unknown>;
  };
  return flattenConfig(file.config ?? {});
}

function flattenConfig(config: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    out[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return out;
}

export interface ResolvedOutputs {
  cohorts: Record<string, CohortOutput>;
  environment: EnvironmentOutput | undefined;
  edge: Record<string, string> | undefined;
}

export interface StackRun {
  stack: string;
  graph: ResourceGraph;
  outputs: ResolvedOutputs;
  recorder: GraphRecorder;
}

export interface RunOptions {
  /** Config overrides in the project namespace, e.g. `{ pin: {...} }`; `undefined` removes a key. */
  config?: Record<string, unknown>;
  /** Use this environment definition instead of stacks/environments/<name>.yaml. */
  environment?: unknown;
  /** The edge stack's resolved outputs, served to the cohort stack's StackReference. */
  edgeOutputs?: ResolvedOutputs;
  preview?: boolean;
  /** Use this config instead of the stack's config file. */
  baseConfig?: Record<string, string>;
}

async function resolveOutputs(out: ProgramOutputs): Promise<ResolvedOutputs> {
  const edge =
    out.edge === undefined
      ? undefined
      : await outputValue(
          pulumi.output(out.edge as unknown as Record<string, pulumi.Input<string>>),
        );
  return { cohorts: await outputValue(out.cohorts), environment: out.environment, edge };
}

/**
 * Pulumi captures `new Error().stack` for every resource and output promise
 * (runtime/debuggable.ts) to report leaks and source positions; under mocks
 * nobody reads them, and formatting them is about two thirds of a run's CPU.
 * So program runs go without stack frames, unless PULUMI_MOCK_STACK_TRACES=1
 * (for debugging a failing run: errors then carry their stacks again).
 */
async function withoutStackTraces<T>(run: () => Promise<T>): Promise<T> {
  if (process.env.PULUMI_MOCK_STACK_TRACES === "1") return run();
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return await run();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Runs the program for `stack` and waits for the whole graph. */
export function runExampleStack(stack: string, options: RunOptions = {}): Promise<StackRun> {
  return withoutStackTraces(() => runStack(stack, options));
}

async function runStack(stack: string, options: RunOptions): Promise<StackRun> {
  const config = { ...(options.baseConfig ?? loadStackConfig(stack)) };
  for (const [key, value] of Object.entries(options.config ?? {})) {
    const full = `${PROJECT}:${key}`;
    if (value === undefined) delete config[full];
    else config[full] = typeof value === "string" ? value : JSON.stringify(value);
  }
  const stackOutputs: Record<string, Record<string, unknown>> = {};
  if (options.edgeOutputs !== undefined) {
    const envName =
      options.edgeOutputs.environment?.edgeStack ?? options.edgeOutputs.environment?.name ?? "";
    const refName = config[`${PROJECT}:edgeStackRef`] ?? `organization/${PROJECT}/${envName}`;
    stackOutputs[refName] = {
      edge: options.edgeOutputs.edge,
      environment: options.edgeOutputs.environment,
    };
  }
  const recorder = new GraphRecorder({
    stack,
    preview: options.preview ?? false,
    stackOutputs,
  }).install();
  pulumi.runtime.setAllConfig(config);
  const programOptions =
    options.environment !== undefined ? { loadEnvironment: () => options.environment } : {};
  const out = runProgram(programOptions);
  const outputs = await resolveOutputs(out);
  const graph = await recorder.settle();
  return { stack, graph, outputs, recorder };
}

/** Runs the program for `stack` in preview mode (unknown ids/ARNs); resolves once registrations settle. */
export function previewExampleStack(
  stack: string,
  options: Omit<RunOptions, "preview"> = {},
): Promise<{ graph: ResourceGraph; program: ProgramOutputs; recorder: GraphRecorder }> {
  return withoutStackTraces(() => previewStack(stack, options));
}

async function previewStack(
  stack: string,
  options: Omit<RunOptions, "preview">,
): Promise<{ graph: ResourceGraph; program: ProgramOutputs; recorder: GraphRecorder }> {
  const config = { ...(options.baseConfig ?? loadStackConfig(stack)) };
  for (const [key, value] of Object.entries(options.config ?? {})) {
    config[`${PROJECT}:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
  }
  const stackOutputs: Record<string, Record<string, unknown>> = {};
  if (options.edgeOutputs !== undefined) {
    const envName = options.edgeOutputs.environment?.edgeStack ?? "";
    stackOutputs[`organization/${PROJECT}/${envName}`] = { edge: options.edgeOutputs.edge };
  }
  const recorder = new GraphRecorder({ stack, preview: true, stackOutputs }).install();
  pulumi.runtime.setAllConfig(config);
  const program = runProgram(
    options.environment !== undefined ? { loadEnvironment: () => options.environment } : {},
  );
  const graph = await recorder.settle();
  return { graph, program, recorder };
}
