/**
 * A train rehearsal: N releases, one carrying the fault, through the environment's waves on
 * the virtual clock, driven by the real train controller and scheduler against the simulated
 * fleet and CloudWatch; then the same releases one at a time (each submitted once the one
 * before has finished) on a world of the same seed, for the makespan and deploys per week a
 * train buys. Exposure is measured on the simulated fleet exactly as for a single release
 * (analysis.ts).
 */
import type { RolloutEvent, RolloutPolicy } from "../../core/events.js";
import type { TrainPolicy } from "../../core/train/events.js";
import { decideTrain } from "../../core/train/scheduler.js";
import { analyse, type StrategyAnalysis } from "../analysis.js";
import type { RehearsalEnvironment } from "../environment.js";
import { PlanRefusedError } from "../rehearse.js";
import type { Fault } from "../sim/faults.js";
import type { SimulationProfile } from "../sim/profile.js";
import { createWorld } from "../sim/world.js";
import { planFor } from "../strategies/plan.js";
import type { Decision } from "../strategies/types.js";
import { releasePaths, type ReleasePath } from "./paths.js";
import { runTrain, type TrainRun } from "./run-train.js";
import { trainPolicyFor, trainReleaseId, trainReleases, trainWavesFor } from "./waves.js";

const WEEK_MS = 7 * 24 * 3_600_000;
/** Measured past the controller's stop: a revert's traffic moves after its update returned. */
const WINDOW_MARGIN_MS = 3_600_000;

export interface TrainRehearsalOptions {
  fault: Fault;
  profile: SimulationProfile;
  policy: RolloutPolicy;
  /** Releases in the train (at least 2). */
  releases: number;
  /** 1-based position of the release carrying the fault (ignored for fault `none`). */
  bad: number;
  order: TrainPolicy["order"];
  /** The latent-activation guard: each cohort's gate keeps watching this long after its bake. */
  observationMs: number;
  /** Also rehearse the releases one at a time (default true). */
  compare?: boolean;
  log?: (line: string) => void;
}

/** How a run of the releases went, as figures. */
export interface TrainThroughput {
  /** From the first submission until the controller stopped (idle, or waiting for a human). */
  makespanSeconds: number;
  completed: number;
  superseded: number;
  /** Completed releases per week at this makespan. */
  deploysPerWeek: number;
  outcome: string;
  reason: string;
}

export interface TrainVerdict {
  kind: "delivered" | "contained" | "escaped" | "stuck";
  ok: boolean;
  summary: string;
  problems: string[];
}

export interface TrainRehearsal {
  kind: "train";
  environment: string;
  alarmSource: string;
  seed: number;
  fault: Fault;
  /** The release carrying the fault (absent for fault `none`). */
  badRelease?: string;
  order: TrainPolicy["order"];
  observationSeconds: number;
  rolloutStart: number;
  windowSeconds: number;
  waves: {
    index: number;
    cohorts: string[];
    bakeSeconds: number;
    minIntervalSeconds: number;
  }[];
  releases: ReleasePath[];
  /** Where the bad release was caught, and where it never went. */
  caught?: ReleasePath["caught"] & { neverReached: string[] };
  /** Releases held behind the bad one, with the reason recorded and what they wait for now. */
  held: { release: string; cause: string; reason: string; at: number; waits: string[] }[];
  /** Cohorts that ever served the bad release, and those still serving it at the end. */
  reached: string[];
  endedOnBad: string[];
  exposure: StrategyAnalysis["exposure"];
  /** From the moment the fault first showed (seconds), as for a single release. */
  timeToDetectSeconds?: number;
  timeToRevertSeconds?: number;
  train: TrainThroughput;
  oneAtATime?: TrainThroughput;
  /** The one-at-a-time makespan divided by the train's (> 1: the train is faster). */
  speedup?: number;
  verdict: TrainVerdict;
  /** The per-cohort timeline, for the HTML report. */
  analysis: StrategyAnalysis;
  warnings: string[];
  simulatedSeconds: number;
  wallMs: number;
}

/**
 * The run's makespan, completions and deploys per week.
 * @param run a train run
 */
function throughput(run: TrainRun): TrainThroughput {
  let completed = 0;
  let superseded = 0;
  let last = run.start;
  for (const r of run.records) {
    last = Math.max(last, r.at);
    if (r.event.type !== "train-finished") continue;
    if (r.event.outcome === "completed") completed += 1;
    if (r.event.outcome === "superseded") superseded += 1;
  }
  const makespanMs = Math.max(1, last - run.start);
  return {
    makespanSeconds: makespanMs / 1000,
    completed,
    superseded,
    deploysPerWeek: (completed * WEEK_MS) / makespanMs,
    outcome: run.outcome,
    reason: run.reason,
  };
}

/**
 * A ledger record as a mark on the HTML timeline (or none).
 * @param e the event
 * @param at when it was recorded
 */
function decisionOf(e: RolloutEvent, at: number): Decision | undefined {
  const cohort = "cohort" in e ? e.cohort : undefined;
  const base = { at, ...(cohort !== undefined ? { cohort } : {}) };
  switch (e.type) {
    case "train-entered":
      return { ...base, kind: `${e.release} entered` };
    case "applied":
    case "passed":
    case "reverted":
      return { ...base, kind: `${e.release} ${e.type}` };
    case "failed":
    case "revert-failed":
      return { ...base, kind: `${e.release} ${e.type}`, detail: e.reason };
    case "train-held":
      return { at, kind: `${e.release} held`, detail: e.reason };
    case "train-finished":
      return { at, kind: `${e.release} ${e.outcome}`, detail: e.reason };
    default:
      return undefined;
  }
}

/**
 * Did the train do its job: the bad release stopped and reverted, the ones ahead finished,
 * the ones behind held for it (or, with no fault, every release delivered)?
 * @param paths every release's path
 * @param bad the bad release's id
 * @param endedOnBad cohorts still serving the bad release at the end of the window
 * @param run the train run
 */
function verdictOf(
  paths: ReleasePath[],
  bad: string | undefined,
  endedOnBad: string[],
  run: TrainRun,
): TrainVerdict {
  const problems: string[] = [];
  if (run.outcome === "interrupted")
    return { kind: "stuck", ok: false, summary: `the train ${run.reason}`, problems: [run.reason] };
  if (bad === undefined) {
    const missing = paths.filter((p) => p.status !== "completed" && p.status !== "superseded");
    return missing.length === 0
      ? {
          kind: "delivered",
          ok: true,
          summary: `every release of the train completed or was superseded (${String(paths.length)})`,
          problems,
        }
      : {
          kind: "escaped",
          ok: false,
          summary: `good releases did not complete: ${missing.map((p) => `${p.release} (${p.status})`).join(", ")}`,
          problems: missing.map((p) => `${p.release}: ${p.status}`),
        };
  }
  const idx = paths.findIndex((p) => p.release === bad);
  const badPath = paths[idx];
  if (
    badPath?.status === "superseded" &&
    badPath.furthestWave === undefined &&
    endedOnBad.length === 0
  )
    return {
      kind: "contained",
      ok: true,
      summary: `${bad} was superseded by ${badPath.cohorts.find((c) => c.superseded)?.superseded?.by ?? "a newer release"} before it entered any cohort (order supersede): no gate had anything to catch`,
      problems,
    };
  if (endedOnBad.length > 0)
    problems.push(`the bad release ${bad} still runs in ${endedOnBad.join(", ")}`);
  if (badPath && badPath.status !== "failed" && badPath.status !== "superseded")
    problems.push(`the bad release ${bad} ended ${badPath.status}, not failed`);
  for (const p of paths.slice(0, idx))
    if (p.status !== "completed" && p.status !== "superseded")
      problems.push(`${p.release}, ahead of ${bad}, ended ${p.status}`);
  for (const p of paths.slice(idx + 1))
    if (p.held?.cause !== bad && p.status !== "superseded")
      problems.push(`${p.release}, behind ${bad}, was not held for it (${p.status})`);
  if (problems.length > 0)
    return {
      kind: endedOnBad.length > 0 ? "escaped" : "stuck",
      ok: false,
      summary: problems.join("; "),
      problems,
    };
  const c = badPath?.caught;
  return {
    kind: "contained",
    ok: true,
    summary: c
      ? `${bad} was caught at wave ${String(c.wave + 1)} (${c.cohort}) and reverted everywhere it went; the releases ahead finished, those behind are held`
      : `${bad} was superseded before it reached any cohort`,
    problems,
  };
}

/**
 * Rehearses a train of releases on the environment.
 * @param env the environment (cohorts, alarms)
 * @param opts the train, the fault, the profile
 */
export async function rehearseTrain(
  env: RehearsalEnvironment,
  opts: TrainRehearsalOptions,
): Promise<TrainRehearsal> {
  const wallStart = performance.now();
  const bad = opts.fault.kind === "none" ? undefined : trainReleaseId(opts.bad);
  const faults = new Map(bad !== undefined ? [[bad, opts.fault]] : []);
  // The train controller bakes from the update's return (it watches no deployment).
  const worldFor = () => createWorld(env, opts.profile, opts.fault, "update", faults);
  const world = worldFor();
  const plan = await planFor(world);
  if (!plan.ok) throw new PlanRefusedError(plan.problems);
  const waves = trainWavesFor(plan.waves, opts.observationMs);
  const policy = trainPolicyFor(
    opts.order,
    opts.policy.pollIntervalMs,
    opts.policy.insufficientData,
  );
  const releases = trainReleases(opts.releases);
  // A generous bound: every release waits out every cohort's interval and bakes in turn.
  const perRelease = waves.reduce(
    (acc, w) =>
      acc +
      Math.max(...w.cohorts.map((c) => c.bakeMs + c.observationMs + c.cadence.minIntervalMs)) +
      3_600_000,
    0,
  );
  const deadline = world.rolloutStart + opts.releases * perRelease + 12 * 3_600_000;
  const spec = { environment: env.name, waves, policy, releases, deadline };
  const run = await runTrain(world, {
    ...spec,
    mode: "train",
    ...(opts.log ? { log: opts.log } : {}),
  });
  const serial =
    opts.compare === false
      ? undefined
      : await runTrain(worldFor(), { ...spec, mode: "one-at-a-time" });

  const windowEnd = run.end + WINDOW_MARGIN_MS;
  const decisions = run.records.flatMap((r) => decisionOf(r.event, r.at) ?? []);
  const detectedAt = run.records.find((r) => r.event.type === "failed")?.at;
  const analysis = analyse(
    {
      strategy: "plan",
      world,
      outcome: run.outcome,
      reason: run.reason,
      ...(detectedAt !== undefined ? { detectedAt } : {}),
      decisions,
    },
    windowEnd,
    bad ?? "",
  );
  const paths = releasePaths(run.records, waves, world.rolloutStart, bad);
  const badPath = paths.find((p) => p.release === bad);
  const waits = decideTrain(run.state, run.end).waits;
  const held = paths.flatMap((p) =>
    p.held
      ? [
          {
            release: p.release,
            ...p.held,
            waits: waits.filter((w) => w.release === p.release).map((w) => w.reason),
          },
        ]
      : [],
  );
  const endedOnBad = bad === undefined ? [] : analysis.endedOnCandidate;
  const trainFigures = throughput(run);
  const serialFigures = serial ? throughput(serial) : undefined;
  return {
    kind: "train",
    environment: env.name,
    alarmSource: env.alarmSource,
    seed: opts.profile.seed,
    fault: opts.fault,
    ...(bad !== undefined ? { badRelease: bad } : {}),
    order: opts.order,
    observationSeconds: opts.observationMs / 1000,
    rolloutStart: world.rolloutStart,
    windowSeconds: (windowEnd - world.rolloutStart) / 1000,
    waves: waves.map((w) => ({
      index: w.index,
      cohorts: w.cohorts.map((c) => c.cohort),
      bakeSeconds: Math.max(...w.cohorts.map((c) => c.bakeMs)) / 1000,
      minIntervalSeconds: Math.max(...w.cohorts.map((c) => c.cadence.minIntervalMs)) / 1000,
    })),
    releases: paths,
    ...(badPath?.caught
      ? {
          caught: {
            ...badPath.caught,
            neverReached: badPath.cohorts
              .filter((c) => c.wave > (badPath.caught?.wave ?? 0) && c.entered === undefined)
              .map((c) => c.cohort),
          },
        }
      : {}),
    held,
    reached: bad === undefined ? [] : analysis.reached,
    endedOnBad,
    exposure: analysis.exposure,
    ...(analysis.timeToDetectSeconds !== undefined
      ? { timeToDetectSeconds: analysis.timeToDetectSeconds }
      : {}),
    ...(analysis.timeToRevertSeconds !== undefined
      ? { timeToRevertSeconds: analysis.timeToRevertSeconds }
      : {}),
    train: trainFigures,
    ...(serialFigures
      ? {
          oneAtATime: serialFigures,
          speedup: serialFigures.makespanSeconds / trainFigures.makespanSeconds,
        }
      : {}),
    verdict: verdictOf(paths, bad, endedOnBad, run),
    analysis,
    warnings: [...new Set(world.cloudwatch.warnings)],
    simulatedSeconds:
      (windowEnd - world.rolloutStart + (serial ? serial.end - serial.start : 0)) / 1000,
    wallMs: performance.now() - wallStart,
  };
}
