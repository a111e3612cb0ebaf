/**
 * A release train's state: a pure fold over the environment's ledger, for the releases that
 * were submitted to the train (single-release `planned` releases are the runner's business).
 * It keeps only what decisions need — live releases and each cohort's recent cadence history —
 * so a snapshot of it (compaction.ts) is as small after a year as after a day: finished
 * releases leave the state, and entry times older than any local day are forgotten.
 */
import { type DeploymentFacts, foldApplied, foldDeploymentObserved } from "../deployment.js";
import type { RecordedReading, RolloutEvent } from "../events.js";
import { CADENCE_MEMORY_MS, type CadenceHistory } from "./cadence.js";
import type { TrainCohort, TrainPolicy, TrainReleaseSpec, TrainWave } from "./events.js";

export type TrainTargetPhase =
  | "pending"
  /** Let in by the scheduler; its update has not started. */
  | "entered"
  | "applying"
  /** Updated; deploying until its new version serves (`servingAt`), then baking. */
  | "applied"
  /** Bake passed; the observation window (latent activation guard) runs. */
  | "passed"
  /** Observation ended healthy: the cohort is free for the next release. */
  | "settled"
  | "failed"
  | "reverting"
  | "reverted"
  | "revert-failed"
  /** Skipped: a newer release took this cohort (and the rest of the train) in its place. */
  | "superseded";

export interface TrainObservation {
  /** When the read started. */
  at: number;
  readings: RecordedReading[];
  error?: string;
}

/**
 * One cohort of a train release. Its deployment fields (core/deployment.ts `DeploymentFacts`:
 * what to watch, when the new version served, its progress and failure) are folded by the
 * same functions as a single release's, so a train's bake starts when the new version serves.
 */
export interface TrainTarget extends DeploymentFacts {
  cohort: TrainCohort;
  wave: number;
  phase: TrainTargetPhase;
  /** An `applying` was recorded: the stack may hold the release, so a failure reverts it. */
  received: boolean;
  attempts: number;
  /** The update a revert returns to (the first `applying`'s record). */
  previous?: Extract<RolloutEvent, { type: "applying" }>["previous"];
  /** An update started and has no outcome yet: a revert refreshes first. */
  applyOpen: boolean;
  enteredAt?: number;
  appliedAt?: number;
  passedAt?: number;
  lastObservation?: TrainObservation;
  /** The failure happened during the observation window, after the bake had passed. */
  latent?: boolean;
  revertFailure?: string;
  /** A human asked to retry a failed revert (`resumed`): the retry refreshes the stack first. */
  retryRevert?: { by: string; reason?: string };
}

export type TrainOutcome = "completed" | "failed" | "superseded" | "aborted";

export interface TrainRelease {
  id: string;
  /** Ledger sequence of the submission: the train's order. */
  submitSeq: number;
  submittedAt: number;
  environment: string;
  spec: TrainReleaseSpec;
  waves: TrainWave[];
  policy: TrainPolicy;
  targets: Map<string, TrainTarget>;
  held?: { cause: string; reason: string };
  /** Releases this one was held for and a human since released it from. */
  unheldFrom: string[];
  failure?: { cohort: string; reason: string; latent: boolean };
  /** Who asked to abort the release (`abort-requested`). */
  abortRequested?: string;
  /** Why, as they recorded it; and whether the release was held then (scheduler.ts: who else holds). */
  abort?: { by: string; reason?: string; whileHeld: boolean };
  supersededBy?: { release: string; cohort: string; wave: number };
  outcome?: TrainOutcome;
}

export interface TrainState {
  releases: Map<string, TrainRelease>;
  /** Live release ids in submission order. */
  order: string[];
  cohorts: Map<string, CadenceHistory>;
  lastSeq: number;
  /** The time of the last record folded: every later decision is at or after it. */
  lastAt: number;
}

export interface TrainRecord {
  seq: number;
  at: number;
  event: RolloutEvent;
}

export function emptyTrainState(): TrainState {
  return { releases: new Map(), order: [], cohorts: new Map(), lastSeq: 0, lastAt: 0 };
}

/** Live releases in train order. */
export function liveReleases(s: TrainState): TrainRelease[] {
  return s.order.map((id) => s.releases.get(id)).filter((r): r is TrainRelease => !!r);
}

function history(s: TrainState, cohort: string): CadenceHistory {
  let h = s.cohorts.get(cohort);
  if (!h) {
    h = { recentEntries: [] };
    s.cohorts.set(cohort, h);
  }
  return h;
}

function submit(
  s: TrainState,
  rec: TrainRecord,
  e: Extract<RolloutEvent, { type: "train-submitted" }>,
): void {
  // A live release is submitted once; a finished one has left the state, so its id may be
  // submitted again (the same decision whether the ledger was compacted or not).
  if (s.releases.has(e.release)) return;
  const targets = new Map<string, TrainTarget>();
  for (const wave of e.waves)
    for (const cohort of wave.cohorts)
      targets.set(cohort.cohort, {
        cohort,
        wave: wave.index,
        phase: "pending",
        received: false,
        attempts: 0,
        applyOpen: false,
      });
  s.releases.set(e.release, {
    id: e.release,
    submitSeq: rec.seq,
    submittedAt: rec.at,
    environment: e.environment,
    spec: e.releaseSpec,
    waves: e.waves,
    policy: e.policy,
    targets,
    unheldFrom: [],
  });
  s.order.push(e.release);
}

function enter(
  s: TrainState,
  rec: TrainRecord,
  r: TrainRelease,
  e: Extract<RolloutEvent, { type: "train-entered" }>,
): void {
  const t = r.targets.get(e.cohort);
  if (!t || t.phase !== "pending") return;
  t.phase = "entered";
  t.enteredAt = rec.at;
  const h = history(s, e.cohort);
  h.lastEnteredAt = rec.at;
  h.recentEntries = [...h.recentEntries.filter((at) => at > rec.at - CADENCE_MEMORY_MS), rec.at];
  for (const older of e.supersedes) {
    const o = s.releases.get(older);
    if (!o || o.outcome) continue;
    o.supersededBy ??= { release: r.id, cohort: e.cohort, wave: e.wave };
    for (const ot of o.targets.values())
      if (ot.phase === "pending" && ot.wave >= e.wave) ot.phase = "superseded";
  }
}

/**
 * The cohorts a stopping release reverts: every one it reached, or, for a latent failure
 * alone, the failed cohort's wave and every later one (the earlier waves keep it: it passed
 * their bake and observation window).
 */
export function revertScope(r: TrainRelease): TrainTarget[] {
  const received = [...r.targets.values()].filter((t) => t.received);
  if (r.abortRequested !== undefined) return received;
  const failed = received.filter((t) => t.latent !== undefined);
  if (failed.length === 0 || failed.some((t) => t.latent === false)) return received;
  const from = Math.min(...failed.map((t) => t.wave));
  return received.filter((t) => t.wave >= from);
}

/** Phases in which a release has not (or no longer) been let into the cohort. */
const NOT_ENTERED = new Set<TrainTargetPhase>(["pending", "superseded", "reverted"]);

/**
 * A failed or aborted release finishes with cohorts in its revert scope it could not revert
 * because later releases entered them since (scheduler.ts leaves those to a human deciding
 * about the later release). Those later releases contain it, so the update they would return
 * to on a revert is not their own `previous` (the stopped release's update) but the stopped
 * release's `previous`: an abort or failure of the later release then puts the cohort back
 * on the last good update, never on the release that was stopped.
 */
function handOver(s: TrainState, r: TrainRelease): void {
  const later = liveReleases(s).filter((l) => l.submitSeq > r.submitSeq);
  for (const t of revertScope(r)) {
    if (t.phase === "reverted" || t.previous === undefined) continue;
    for (const l of later) {
      const lt = l.targets.get(t.cohort.cohort);
      if (lt && !NOT_ENTERED.has(lt.phase)) lt.previous = t.previous;
    }
  }
}

/** Applies one record. Events of releases not live in the train are ignored. */
export function applyTrain(s: TrainState, rec: TrainRecord): TrainState {
  s.lastSeq = rec.seq;
  s.lastAt = Math.max(s.lastAt, rec.at);
  const e = rec.event;
  if (e.type === "train-submitted") {
    submit(s, rec, e);
    return s;
  }
  const r = s.releases.get(e.release);
  if (!r || r.outcome) return s;
  const t = "cohort" in e ? r.targets.get(e.cohort) : undefined;
  switch (e.type) {
    case "train-entered":
      enter(s, rec, r, e);
      break;
    case "train-held":
      if (!r.unheldFrom.includes(e.cause)) r.held ??= { cause: e.cause, reason: e.reason };
      break;
    case "train-unheld":
      if (r.held) r.unheldFrom.push(r.held.cause);
      r.held = undefined;
      break;
    case "train-settled":
      if (t?.phase === "passed") t.phase = "settled";
      break;
    case "train-finished":
      if (e.outcome === "failed" || e.outcome === "aborted") handOver(s, r);
      r.outcome = e.outcome;
      s.releases.delete(r.id);
      s.order = s.order.filter((id) => id !== r.id);
      break;
    case "applying":
      if (!t) break;
      t.phase = "applying";
      t.received = true;
      t.applyOpen = true;
      t.attempts = Math.max(t.attempts, e.attempt);
      t.previous ??= e.previous;
      break;
    case "applied":
      if (!t || t.phase !== "applying") break;
      t.phase = "applied";
      t.applyOpen = false;
      t.appliedAt = rec.at;
      foldApplied(t, e, rec.at);
      break;
    case "deployment-observed":
      // Deploying, baking and the observation window (`passed`) take it (deployment.ts): a
      // platform's own rollback in the window fails the cohort (scheduler.ts).
      if (t) foldDeploymentObserved(t, e);
      break;
    case "observed":
      if (t) t.lastObservation = { at: e.takenAt ?? rec.at, readings: e.readings, error: e.error };
      break;
    case "passed":
      if (t?.phase !== "applied") break;
      t.phase = "passed";
      t.passedAt = rec.at;
      break;
    case "failed":
      if (!t) break;
      t.latent = t.phase === "passed";
      if (t.phase !== "reverted") t.phase = "failed";
      // An update cut short because a human aborted the release is the abort's doing, not a
      // failure of the release (events.ts, `cancelled`): it ends `aborted` and holds no one for it.
      if (e.cause === "cancelled" && r.abortRequested !== undefined) break;
      r.failure ??= { cohort: e.cohort, reason: e.reason, latent: t.latent };
      break;
    case "reverting":
      if (t) {
        t.phase = "reverting";
        t.previous ??= e.to;
      }
      break;
    case "reverted":
      if (t) {
        t.phase = "reverted";
        t.revertFailure = undefined;
        t.retryRevert = undefined;
      }
      break;
    case "revert-failed":
      if (t) {
        t.phase = "revert-failed";
        t.revertFailure = e.reason;
      }
      break;
    case "resumed":
      // A human fixed the stack a revert failed on: every failed revert is retried (as a
      // single release's `resume`), refreshing the stack first since a human changed it.
      for (const x of r.targets.values())
        if (x.phase === "revert-failed") {
          x.phase = "reverting";
          x.retryRevert = { by: e.by, ...(e.reason !== undefined ? { reason: e.reason } : {}) };
        }
      break;
    case "abort-requested":
      if (r.abortRequested !== undefined) break;
      r.abortRequested = e.by;
      r.abort = {
        by: e.by,
        ...(e.reason !== undefined ? { reason: e.reason } : {}),
        whileHeld: r.held !== undefined,
      };
      break;
    default:
      break;
  }
  return s;
}

export function foldTrain(
  records: Iterable<TrainRecord>,
  from: TrainState = emptyTrainState(),
): TrainState {
  let s = from;
  for (const rec of records) s = applyTrain(s, rec);
  return s;
}
