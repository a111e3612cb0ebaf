import { readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { PROJECT, runProgram, type ProgramOutputs } from "../../../stacks/program.js";
import { recordProgram, type RecordedResource } from "./recorder.js";

/**
 * Records the example program (stacks/program.ts, exactly what stacks/index.ts runs) for one
 * stack of stacks/config, through this suite's recorder. The component tests' runner
 * (test/component/support/program-runner.ts) records no dependencies or propertyDependencies,
 * which the pack needs, so this suite records the program itself. A cohort stack reads the edge
 * stack by StackReference; pass the edge's outputs.
 */
export interface ExampleStack {
  records: RecordedResource[];
  /** The stack's `edge` export, resolved (edge and single-stack mode, not in preview). */
  edge: Record<string, unknown> | undefined;
}

const STACK_CONFIG_DIR = new URL("../../../stacks/config/", import.meta.url);

/** A stack's config file as the program sees it: `project:key` -> string (objects as JSON). */
function loadStackConfig(stack: string): Record<string, string> {
  const file = parse(readFileSync(new URL(`Pulumi.${stack}.yaml`, STACK_CONFIG_DIR), "utf8")) as {
    config?: Record<string, unknown>;
  };
  return Object.fromEntries(
    Object.entries(file.config ?? {}).map(([k, v]) => [
      k,
      typeof v === "string" ? v : JSON.stringify(v),
    ]),
  );
}

function resolve<T>(value: pulumi.Input<T>): Promise<T> {
  return new Promise((done) => {
    pulumi.output(value).apply((v) => {
      done(v as T);
      return v;
    });
  });
}

export async function recordExampleStack(
  stack: string,
  options: { preview?: boolean; edgeOutputs?: Record<string, unknown> } = {},
): Promise<ExampleStack> {
  let outputs: ProgramOutputs | undefined;
  const stackOutputs: Record<string, Record<string, unknown>> = {};
  if (options.edgeOutputs !== undefined) {
    // stacks/program.ts's default reference name for a file backend (edgeStackRefName).
    const environment = stack.split(".")[0] ?? stack;
    stackOutputs[`organization/${PROJECT}/${environment}`] = { edge: options.edgeOutputs };
  }
  const records = await recordProgram(
    () => {
      outputs = runProgram();
    },
    {
      project: PROJECT,
      stack,
      config: loadStackConfig(stack),
      stackOutputs,
      ...(options.preview !== undefined ? { preview: options.preview } : {}),
    },
  );
  const edgeOut = outputs?.edge;
  const edge =
    edgeOut === undefined || options.preview === true
      ? undefined
      : await resolve(edgeOut as unknown as pulumi.Input<Record<string, unknown>>);
  return { records, edge };
}
