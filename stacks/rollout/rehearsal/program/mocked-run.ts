/**
 * Runs the rehearsed program (its Pulumi.yaml `main`, exactly what `pulumi up` runs) for one
 * stack under Pulumi's own mocks and records every resource's resolved inputs. This is how the
 * rehearsal learns which alarms the component really defines, with no cloud account and no
 * Pulumi CLI.
 *
 * Pulumi's mocks and config are process-global: runs are sequential.
 */
import type * as pulumiTypes from "@pulumi/pulumi";
import {
  cohortOutputSchema,
  environmentOutputSchema,
  type CohortOutput,
  type EnvironmentOutput,
} from "../../../../components/contract.js";
import type { ProgramRuntime } from "./program-runtime.js";
import type { PulumiProject } from "./project.js";
import type { StackConfig } from "./stack-config.js";

export interface MockedResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

export interface MockedRun {
  stack: string;
  resources: MockedResource[];
  cohorts: Record<string, CohortOutput>;
  environment: EnvironmentOutput | undefined;
  /** The edge's outputs (edge and single-stack mode), served to cohort stacks' StackReference. */
  edge: Record<string, string> | undefined;
}

/** A stand-in cloud: every physical id, ARN and suffix is derived from the resource's type and name. */
function mockedState(type: string, name: string, inputs: Record<string, unknown>) {
  const token = `mock:${type.replaceAll("/", ".")}/${name}`;
  const echo = (key: string): unknown => inputs[key] ?? `${key}:${token}`;
  return {
    id: `id:${token}`,
    state: {
      ...inputs,
      arn: `arn:${token}`,
      arnSuffix: `sfx:${token}`,
      dnsName: `dns.${name}.mock.invalid`,
      keyId: `keyid:${token}`,
      name: echo("name"),
      bucket: echo("bucket"),
      alarmName: echo("alarmName"),
    },
  };
}

function resolve<T>(runtime: ProgramRuntime, value: pulumiTypes.Input<T>): Promise<T> {
  if (value === undefined) return Promise.resolve(value);
  return new Promise<T>((done) => {
    runtime.pulumi.output(value).apply((v) => {
      done(v as T);
      return v;
    });
  });
}

export interface MockedRunOptions {
  /** Outputs of referenced stacks, by stack-reference name. */
  stackReferences?: Record<string, Record<string, unknown>>;
}

/**
 * The stack's `cohorts` and `environment` exports read through the contract's schemas, as
 * `cohort-rollout plan` reads them from a real stack (defaults applied); a program whose
 * outputs break the contract is refused with every problem at once.
 */
function contractOutputs(
  stack: string,
  rawCohorts: unknown,
  rawEnvironment: unknown,
): { cohorts: Record<string, CohortOutput>; environment: EnvironmentOutput | undefined } {
  const problems: string[] = [];
  const describe = (path: string, issues: { path: PropertyKey[]; message: string }[]) =>
    issues.map((i) => `  - ${[path, ...i.path.map(String)].join(".")}: ${i.message}`);
  const cohorts: Record<string, CohortOutput> = {};
  const entries =
    typeof rawCohorts === "object" && rawCohorts !== null ? Object.entries(rawCohorts) : [];
  for (const [name, raw] of entries) {
    const parsed = cohortOutputSchema.safeParse(raw);
    if (parsed.success) cohorts[name] = parsed.data;
    else problems.push(...describe(`cohorts.${name}`, parsed.error.issues));
  }
  let environment: EnvironmentOutput | undefined;
  if (rawEnvironment !== undefined) {
    const parsed = environmentOutputSchema.safeParse(rawEnvironment);
    if (parsed.success) environment = parsed.data;
    else problems.push(...describe("environment", parsed.error.issues));
  }
  if (problems.length > 0) {
    throw new Error(
      `stack ${stack}: its outputs do not follow the output contract (components/contract.ts):\n${problems.join("\n")}`,
    );
  }
  return { cohorts, environment };
}

/** The program to run and the runtime it runs in. */
export interface RehearsedProgram {
  project: PulumiProject;
  runtime: ProgramRuntime;
}

export async function runStackUnderMocks(
  program: RehearsedProgram,
  stack: string,
  config: StackConfig,
  options: MockedRunOptions = {},
): Promise<MockedRun> {
  const { runtime, project } = program;
  const pulumi = runtime.pulumi;
  const resources: MockedResource[] = [];
  const references = options.stackReferences ?? {};
  const mocks: pulumiTypes.runtime.Mocks = {
    newResource: (args) => {
      if (args.type === "pulumi:pulumi:StackReference") {
        const inputs = args.inputs as Record<string, unknown>;
        const refName = typeof inputs.name === "string" ? inputs.name : args.name;
        const outputs = references[refName];
        if (outputs === undefined) {
          throw new Error(
            `stack ${stack} references stack ${refName}, which this rehearsal did not run`,
          );
        }
        return { id: refName, state: { name: refName, outputs, secretOutputNames: [] } };
      }
      resources.push({
        type: args.type,
        name: args.name,
        inputs: args.inputs as Record<string, unknown>,
      });
      if (!args.custom) return { id: undefined, state: {} };
      return mockedState(args.type, args.name, args.inputs as Record<string, unknown>);
    },
    call: (args) => {
      switch (args.token) {
        case "aws:index/getCallerIdentity:getCallerIdentity":
          return {
            accountId: "111122223333",
            arn: "arn:aws:iam::111122223333:user/rehearsal",
            userId: "AIDAREHEARSAL",
            id: "111122223333",
          };
        case "aws:index/getRegion:getRegion":
          return { region: "eu-west-1", name: "eu-west-1", id: "eu-west-1" };
        default:
          return args.inputs as Record<string, unknown>;
      }
    },
  };
  await pulumi.runtime.setMocks(mocks, project.name, stack, false);
  pulumi.runtime.setAllConfig(config);
  const out = await runtime.evaluate(stack);
  // The stack's exports, as `pulumi stack output` would show them (components/contract.ts).
  const rawCohorts = await resolve(runtime, out.cohorts ?? {});
  const rawEnvironment = await resolve(runtime, out.environment);
  const edge = (await resolve(runtime, out.edge)) as Record<string, string> | undefined;
  // Every registration (alarms included) has been answered once the RPC queue drains.
  await pulumi.runtime.disconnect();
  const { cohorts, environment } = contractOutputs(stack, rawCohorts, rawEnvironment);
  return { stack, resources, cohorts, environment, edge };
}
