/**
 * A rehearsal: one fault, four strategies, each in its own simulated world
 * built from the same seed, then measured over the same window.
 */
import type { PlannedWave, RolloutPolicy } from "../core/events.js";
import type { ProgressListener } from "../core/progress.js";
import { analyse, type StrategyAnalysis } from "./analysis.js";
import { planVerdict, type PlanVerdict } from "./verdict.js";
import type { RehearsalEnvironment } from "./environment.js";
import type { Fault } from "./sim/faults.js";
import type { SimulationProfile } from "./sim/profile.js";
import { type BakeFrom, createWorld } from "./sim/world.js";
import { planFor, runPlan } from "./strategies/plan.js";
import { STRATEGIES, type StrategyName, type StrategyRun } from "./strategies/types.js";
import { runUngated } from "./strategies/ungated.js";

export interface RehearsalOptions {
  fault: Fault;
  profile: SimulationProfile;
  policy: RolloutPolicy;
  /** Minutes from an operator's page to their fleet-wide revert (ungated strategies). */
  operatorResponseMs: number;
  /** The time-delayed push's wait; defaults to the first wave's bake. */
  delayMs?: number;
  /** Minimum simulated window after the rollout starts. */
  horizonMs: number;
  strategies?: readonly StrategyName[];
  progress?: ProgressListener;
  /** When the plan's bakes start: at "serving" (default, what deploy does) or at the update's return. */
  bakeFrom?: BakeFrom;
}

export interface Rehearsal {
  environment: string;
  alarmSource: string;
  seed: number;
  fault: Fault;
  /** When the plan's bakes started: at "serving" or at the update's return. */
  bakeFrom: BakeFrom;
  rolloutStart: number;
  windowSeconds: number;
  waves: { index: number; cohorts: string[]; bakeSeconds: number }[];
  strategies: StrategyAnalysis[];
  /** Exposure of each other strategy divided by the plan's (Infinity when the plan exposed nothing). */
  exposureRatios: Partial<Record<StrategyName, number>>;
  /** Whether the plan delivered a good release / contained a bad one. */
  verdict: PlanVerdict;
  /** Each cohort's share of all requests and its platform, as simulated. */
  traffic: { cohort: string; share: number; platform: string; hosts: number }[];
  operatorResponseSeconds: number;
  delaySeconds: number;
  warnings: string[];
  /** Simulated seconds covered by all strategies together, and the wall time it took. */
  simulatedSeconds: number;
  wallMs: number;
}

/** How far past the window a rehearsed rollout may run before it is called a runaway. */
const RUNAWAY_MARGIN_MS = 12 * 3_600_000;

export class PlanRefusedError extends Error {
  constructor(readonly problems: string[]) {
    super(`the plan is refused:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "PlanRefusedError";
  }
}

/** An upper bound on how long the plan takes when every wave passes. */
function nominalPlanMs(waves: PlannedWave[], profile: SimulationProfile): number {
  const platforms = Object.keys(
    profile.updateDurations,
  ) as (keyof typeof profile.updateDurations)[];
  // An update, then its deployment until the platform reports it complete.
  const slowest =
    Math.max(
      ...platforms.map(
        (p) =>
          profile.updateDurations[p].maxSeconds +
          profile.servingDelays[p].maxSeconds +
          profile.completionDelays[p].maxSeconds,
      ),
    ) * 1000;
  return waves.reduce(
    (acc, w) => acc + w.targets.length * slowest + Math.max(...w.targets.map((t) => t.bakeMs)),
    0,
  );
}

export async function rehearse(
  env: RehearsalEnvironment,
  opts: RehearsalOptions,
): Promise<Rehearsal> {
  const wallStart = performance.now();
  const bakeFrom = opts.bakeFrom ?? "serving";
  const planWorld = createWorld(env, opts.profile, opts.fault, bakeFrom);
  const plan = await planFor(planWorld);
  if (!plan.ok) throw new PlanRefusedError(plan.problems);
  const waves = plan.waves;
  const delayMs = opts.delayMs ?? Math.max(...(waves[0]?.targets.map((t) => t.bakeMs) ?? [0]));
  const horizonMs = Math.max(
    opts.horizonMs,
    nominalPlanMs(waves, opts.profile) + delayMs + opts.operatorResponseMs + 3_600_000,
  );
  const windowEnd = planWorld.rolloutStart + horizonMs;

  const runs: StrategyRun[] = [];
  for (const strategy of opts.strategies ?? STRATEGIES) {
    if (strategy === "plan") {
      runs.push(
        await runPlan(planWorld, waves, {
          policy: opts.policy,
          deadline: windowEnd + RUNAWAY_MARGIN_MS,
          ...(opts.progress ? { progress: opts.progress } : {}),
        }),
      );
      continue;
    }
    const world = createWorld(env, opts.profile, opts.fault, bakeFrom);
    runs.push(
      await runUngated(strategy, world, {
        operatorResponseMs: opts.operatorResponseMs,
        delayMs,
        horizonEnd: windowEnd,
        waves: waves.map((w) => ({
          targets: w.targets.map((t) => ({ cohort: t.cohort, stack: t.stack, bakeMs: t.bakeMs })),
        })),
      }),
    );
  }
  const analyses = runs.map((r) => analyse(r, windowEnd));
  const planBad = analyses.find((a) => a.strategy === "plan")?.exposure.badRequests;
  const exposureRatios: Partial<Record<StrategyName, number>> = {};
  if (planBad !== undefined) {
    for (const a of analyses) {
      if (a.strategy === "plan") continue;
      exposureRatios[a.strategy] =
        planBad === 0
          ? a.exposure.badRequests === 0
            ? 1
            : Number.POSITIVE_INFINITY
          : a.exposure.badRequests / planBad;
    }
  }
  const planAnalysis = analyses.find((a) => a.strategy === "plan");
  const cohortNames = env.cohorts.map((c) => c.name);
  const verdict: PlanVerdict = planAnalysis
    ? planVerdict(planAnalysis, opts.fault, cohortNames)
    : { kind: "stuck", ok: false, summary: "the plan strategy was not rehearsed" };
  return {
    environment: env.name,
    alarmSource: env.alarmSource,
    seed: opts.profile.seed,
    fault: opts.fault,
    bakeFrom,
    rolloutStart: planWorld.rolloutStart,
    windowSeconds: horizonMs / 1000,
    waves: waves.map((w) => ({
      index: w.index,
      cohorts: w.targets.map((t) => t.cohort),
      bakeSeconds: Math.max(...w.targets.map((t) => t.bakeMs)) / 1000,
    })),
    strategies: analyses,
    exposureRatios,
    verdict,
    traffic: env.cohorts.map((c) => {
      const t = planWorld.fleet.traffic(c.name);
      return {
        cohort: c.name,
        share: planWorld.fleet.shares.get(c.name) ?? 0,
        platform: t.platform,
        hosts: t.hosts,
      };
    }),
    operatorResponseSeconds: opts.operatorResponseMs / 1000,
    delaySeconds: delayMs / 1000,
    warnings: [...new Set(runs.flatMap((r) => r.world.cloudwatch.warnings))],
    simulatedSeconds: (horizonMs / 1000) * runs.length,
    wallMs: performance.now() - wallStart,
  };
}
