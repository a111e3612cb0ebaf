/**
 * The environment a rehearsal rehearses, taken from the rehearsed program (the user's Pulumi
 * project, by default the current folder) run under Pulumi's mocks: the edge (or single) stack says which cohorts exist,
 * in which order, with which bakes and stacks; each cohort stack's
 * `MetricAlarm` and `CompositeAlarm` resources are the alarms simulated.
 * There is no second description of the alarms to drift from the component.
 */
import { z } from "zod";
import { COHORT_TAG_KEY } from "../../../../components/identity.js";
import { CONFIG_KEYS, type CohortOutput } from "../../../../components/contract.js";
import { alarmSpecsSchema, type AlarmSpec, type AlarmSpecInput } from "../cloudwatch/alarm-spec.js";
import type { RehearsalEnvironment } from "../environment.js";
import { runStackUnderMocks, type MockedResource, type MockedRun } from "./mocked-run.js";
import { loadProgramRuntime } from "./program-runtime.js";
import { loadPulumiProject } from "./project.js";
import { environmentRootStack, loadStackConfig, projectValue } from "./stack-config.js";

export const METRIC_ALARM_TYPE = "aws:cloudwatch/metricAlarm:MetricAlarm";
export const COMPOSITE_ALARM_TYPE = "aws:cloudwatch/compositeAlarm:CompositeAlarm";

const tagged = z.object({ tags: z.record(z.string(), z.string()).optional() }).loose();

function cohortTag(r: MockedResource): string | undefined {
  return tagged.parse(r.inputs).tags?.[COHORT_TAG_KEY];
}

function text(value: unknown, fallback: string): string {
  return typeof value === "string" ? value : fallback;
}

/** One recorded alarm resource -> the simulator's alarm spec (provider field names are kept). */
export function alarmSpecOf(r: MockedResource): AlarmSpecInput | undefined {
  const cohort = cohortTag(r);
  if (r.type === COMPOSITE_ALARM_TYPE) {
    return {
      kind: "composite",
      name: text(r.inputs.alarmName, r.name),
      ...(cohort ? { cohort } : {}),
      alarmRule: text(r.inputs.alarmRule, ""),
    };
  }
  if (r.type === METRIC_ALARM_TYPE) {
    // The inputs carry the provider's names (metricQueries, treatMissingData, …); the zod
    // schema validates them and keeps what is simulated, so this cast is checked right after.
    return {
      ...r.inputs,
      kind: "metric",
      name: text(r.inputs.name, r.name),
      ...(cohort ? { cohort } : {}),
    } as AlarmSpecInput;
  }
  return undefined;
}

export function alarmsOf(runs: readonly MockedRun[]): AlarmSpec[] {
  const inputs = runs.flatMap((run) =>
    run.resources.map(alarmSpecOf).filter((a): a is AlarmSpecInput => a !== undefined),
  );
  const parsed = alarmSpecsSchema.safeParse(inputs);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `  - alarms[${i.path.join(".")}]: ${i.message}`,
    );
    throw new Error(
      `the component defines alarms the rehearsal cannot simulate:\n${problems.join("\n")}`,
    );
  }
  return parsed.data;
}

/**
 * The simulated fleet and driver model one cohort per stack (how production environments are
 * laid out: an edge stack and a stack per cohort). An environment that keeps several cohorts in
 * one stack (single-stack mode, e.g. a dev environment) would be simulated wrongly, so it is
 * refused with the fix instead.
 */
function refuseSharedStacks(env: { name: string; cohorts: { name: string; stack: string }[] }) {
  const byStack = new Map<string, string[]>();
  for (const c of env.cohorts) byStack.set(c.stack, [...(byStack.get(c.stack) ?? []), c.name]);
  const shared = [...byStack].filter(([, cohorts]) => cohorts.length > 1);
  if (shared.length === 0) return;
  const lines = shared.map(
    ([stack, cohorts]) => `  - stack ${stack} holds cohorts ${cohorts.join(", ")}`,
  );
  throw new Error(
    `environment "${env.name}" keeps several cohorts in one stack, which the rehearsal cannot simulate (it models one cohort per stack):\n${lines.join("\n")}\n  give each cohort its own stack (an edge stack plus one stack per cohort), or rehearse a one-cohort environment`,
  );
}

export interface LoadOptions {
  /** The folder of the Pulumi project to rehearse (its Pulumi.yaml); default: the current folder. */
  program?: string;
}

/** Runs the environment's stacks under mocks and returns what the rehearsal needs. */
export async function loadRehearsalEnvironment(
  environment: string,
  options: LoadOptions = {},
): Promise<RehearsalEnvironment> {
  const project = loadPulumiProject(options.program ?? process.cwd());
  const program = { project, runtime: await loadProgramRuntime(project) };
  const dir = project.stackConfigDir;
  const root = environmentRootStack(environment, project);
  const rootRun = await runStackUnderMocks(program, root.stack, root.config);
  const env = rootRun.environment;
  if (!env) throw new Error(`stack ${root.stack} exports no environment`);
  refuseSharedStacks(env);
  const runs: MockedRun[] = [rootRun];
  const references: Record<string, Record<string, unknown>> = {};
  if (env.edgeStack !== undefined) {
    // The default stack-reference name of a DIY backend's stack (the example program's
    // edgeStackRefName); a program that names it otherwise sets edgeStackRef, read below.
    references[`organization/${project.name}/${env.edgeStack}`] = {
      edge: rootRun.edge,
      environment: env,
    };
  }
  const cohortStacks = [...new Set(env.cohorts.map((c) => c.stack))].filter(
    (s) => s !== root.stack,
  );
  for (const stack of cohortStacks) {
    const config = loadStackConfig(stack, dir);
    const refs = { ...references };
    const custom = projectValue(project, config, "edgeStackRef");
    if (custom !== undefined && env.edgeStack !== undefined) {
      refs[custom] = { edge: rootRun.edge, environment: env };
    }
    if (projectValue(project, config, CONFIG_KEYS.environment) !== environment) {
      throw new Error(
        `stack ${stack}: its ${project.name}:environment is not "${environment}" although environment ${environment} lists it`,
      );
    }
    runs.push(await runStackUnderMocks(program, stack, config, { stackReferences: refs }));
  }
  const alarms = alarmsOf(runs);
  return {
    name: env.name,
    ...(env.edgeStack !== undefined ? { edgeStack: env.edgeStack } : {}),
    cohorts: env.cohorts,
    alarms,
    outputs: Object.assign({}, ...runs.map((r) => r.cohorts)) as Record<string, CohortOutput>,
    alarmSource: `the program ${project.main} run under Pulumi mocks for stacks ${runs.map((r) => r.stack).join(", ")}`,
  };
}
