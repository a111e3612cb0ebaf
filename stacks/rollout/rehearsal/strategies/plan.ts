/**
 * The plan strategy: the rollout's own plan builder and runner (stacks/rollout/
 * plan.ts and runner.ts, imported, never copied) driven through the
 * simulated ports. What the rehearsal shows is what `deploy` would do.
 */
import type { AlarmOutput, CohortOutput } from "../../../../components/contract.js";
import type { EventOf, PlannedWave, RolloutEvent, RolloutPolicy } from "../../core/events.js";
import { DEFAULT_PUBLICATION_LAG_MS, buildPlan } from "../../core/plan.js";
import type { ProgressListener } from "../../core/progress.js";
import { DEFAULT_RUNNER_OPTIONS, Runner } from "../../executor/runner.js";
import { MemoryLedger } from "../adapters/memory-ledger.js";
import { cohortAlarmNames, compositeAlarmName, type RehearsalEnvironment } from "../environment.js";
import { alarmPeriodSeconds } from "../cloudwatch/alarm-spec.js";
import { BASELINE, CANDIDATE, type World } from "../sim/world.js";
import type { Decision, StrategyRun } from "./types.js";

/** The runner this strategy drives: the deploy runner itself (a test asserts the identity). */
export { Runner };

export interface PlanOptions {
  policy: RolloutPolicy;
  progress?: ProgressListener;
  /**
   * Virtual epoch ms after which the run is interrupted: a rollout that never
   * ends (a decision loop that makes no progress) becomes a finding in the
   * report rather than a hang.
   */
  deadline?: number;
}

export type PlanOutcome = { ok: true; waves: PlannedWave[] } | { ok: false; problems: string[] };

/**
 * What each cohort stack would export (contract.ts), derived from the alarm
 * definitions; used only when the environment carries no real stack outputs.
 */
export function cohortOutputs(env: RehearsalEnvironment): Record<string, CohortOutput> {
  const out: Record<string, CohortOutput> = {};
  for (const c of env.cohorts) {
    const alarms: AlarmOutput[] = env.alarms
      .filter((a) => a.cohort === c.name)
      .map((a) =>
        a.kind === "metric"
          ? {
              name: a.name,
              kind: "metric",
              periodSeconds: alarmPeriodSeconds(a),
              evaluationPeriods: a.evaluationPeriods,
              datapointsToAlarm: a.datapointsToAlarm ?? a.evaluationPeriods,
            }
          : { name: a.name, kind: "composite" },
      );
    out[c.name] = {
      name: c.name,
      criticality: c.criticality,
      pin: BASELINE,
      alarmNames: cohortAlarmNames(env, c.name),
      compositeAlarmName: compositeAlarmName(env, c.name) ?? "",
      alarms,
      endpoint: `https://${c.name}.rehearsal.invalid`,
    };
  }
  return out;
}

/** Deploy's plan for the environment, validated against the alarms as the simulated CloudWatch reports them. */
export async function planFor(world: World): Promise<PlanOutcome> {
  const { env } = world;
  const readings = await world.gate.read(env.alarms.map((a) => a.name));
  return buildPlan(
    {
      environment: {
        name: env.name,
        ...(env.edgeStack ? { edgeStack: env.edgeStack } : {}),
        cohorts: env.cohorts,
      },
      cohortOutputs: env.outputs ?? cohortOutputs(env),
      readings,
      edgeChanged: false,
    },
    // Deploy's own plan options: the plan rehearsed is the plan deploy would run. The simulated
    // publication lag (profile) may be longer, and the rehearsal shows what that costs.
    { publicationLagMs: DEFAULT_PUBLICATION_LAG_MS, bakeScale: 1 },
  );
}

function decisionOf(e: RolloutEvent, at: number): Decision | undefined {
  const cohort = "cohort" in e ? e.cohort : undefined;
  const base = { at, ...(cohort ? { cohort } : {}) };
  switch (e.type) {
    case "applying":
    case "applied":
    case "passed":
    case "reverting":
    case "reverted":
    case "completed":
      return { ...base, kind: e.type };
    case "failed":
    case "blocked":
    case "revert-failed":
    case "release-failed":
      return { ...base, kind: e.type, detail: e.reason };
    case "deployment-observed":
      // The moment the bake's clock starts is worth a mark; progress lines are not.
      return e.state === "in-progress"
        ? undefined
        : { ...base, kind: `deployment ${e.state}`, detail: e.reason };
    case "observed": {
      const alarming = e.readings.filter((r) => r.state === "ALARM").map((r) => r.name);
      if (e.error) return { ...base, kind: "gate-error", detail: e.error };
      if (e.phase === "precheck")
        return {
          ...base,
          kind: "precheck",
          detail: alarming.length ? `ALARM: ${alarming.join(", ")}` : "healthy",
        };
      if (alarming.length > 0) return { ...base, kind: "gate-alarm", detail: alarming.join(", ") };
      return e.final ? { ...base, kind: "gate-final", detail: "bake ended healthy" } : undefined;
    }
    default:
      return undefined;
  }
}

export async function runPlan(
  world: World,
  waves: PlannedWave[],
  opts: PlanOptions,
): Promise<StrategyRun> {
  const ledger = new MemoryLedger<unknown>(world.clock);
  const planned: EventOf<"planned"> = {
    type: "planned",
    release: CANDIDATE.id,
    releaseSpec: { id: CANDIDATE.id, version: CANDIDATE.version, config: CANDIDATE.config },
    environment: world.env.name,
    waves,
    policy: opts.policy,
  };
  const stop = new AbortController();
  if (opts.deadline !== undefined) {
    const deadline = opts.deadline;
    world.clock.onAdvance((t) => {
      if (t > deadline && !stop.signal.aborted) {
        stop.abort(
          new Error(
            `the rollout had not ended ${Math.round((deadline - world.rolloutStart) / 3_600_000)} h into the rehearsal`,
          ),
        );
      }
    });
  }
  const runner = new Runner(
    {
      driver: world.driver,
      gate: world.gate,
      deployments: world.deployments,
      ledger,
      clock: world.clock,
      ...(opts.progress ? { progress: opts.progress } : {}),
    },
    { ...DEFAULT_RUNNER_OPTIONS, signal: stop.signal },
  );
  // The plan is recorded as `deploy` records it: an intent through the runner's writer.
  await runner.writer.submitIntent(() => ({ kind: "plan", planned }));
  let result: { outcome: string; reason: string };
  try {
    result = await runner.run(CANDIDATE.id);
  } catch (err) {
    // An aborted sleep surfaces as a rejection from inside the runner.
    if (!stop.signal.aborted) throw err;
    result = { outcome: "interrupted", reason: String(stop.signal.reason) };
  }
  const decisions: Decision[] = [];
  let detectedAt: number | undefined;
  for (const rec of ledger.snapshot()) {
    const e = rec.event as RolloutEvent;
    if (e.type === "failed" && detectedAt === undefined) detectedAt = rec.at;
    const d = decisionOf(e, rec.at);
    if (d) decisions.push(d);
  }
  return {
    strategy: "plan",
    world,
    outcome: result.outcome,
    reason: result.reason,
    ...(detectedAt !== undefined ? { detectedAt } : {}),
    decisions,
  };
}
