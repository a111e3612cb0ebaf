/**
 * The rollout state: a pure fold over ledger records, keyed by release and
 * then by cohort, so several releases can be in flight (a release train)
 * without a redesign. Nothing here reads a clock or a stack; replaying the
 * same records always yields the same state.
 */
import type { z } from "zod";
import type { DeploymentRef } from "../../../components/contract.js";
import { type ApprovalState, applyApprovalEvent } from "./approvals.js";
import type {
  EventOf,
  PlannedTarget,
  PlannedWave,
  RecordedReading,
  RolloutEvent,
  RolloutPolicy,
  releaseSchema,
  updateRecordSchema,
} from "./events.js";

export type ReleaseSpec = z.infer<typeof releaseSchema>;
export type RecordedUpdate = z.infer<typeof updateRecordSchema>;

export type TargetPhase =
  | "pending"
  | "applying"
  | "applied"
  | "passed"
  | "failed"
  | "reverting"
  | "reverted"
  | "revert-failed";

export interface Observation {
  /** When the reading was taken (the read's start), not when it was recorded. */
  at: number;
  phase: "precheck" | "bake";
  readings: RecordedReading[];
  error?: string;
}

export interface TargetState {
  target: PlannedTarget;
  wave: number;
  phase: TargetPhase;
  /** The stack may hold the release: an `applying` was recorded. Such a cohort is reverted on failure. */
  received: boolean;
  /** The update a revert returns to (first `applying`'s record). */
  previous?: RecordedUpdate;
  attempts: number;
  /** Cadence: the release may not reach this cohort before this time (its minimum interval). */
  notBefore?: number;
  /**
   * An update of this stack by the release started and did not finish cleanly (no `applied`):
   * it may have left pending operations, so a revert refreshes the stack first.
   */
  applyOpen: boolean;
  appliedAt?: number;
  /** Where the deployment is watched, when the update returned before the new version served. */
  deployment?: DeploymentRef;
  /**
   * When the new version was seen serving: the bake's clock starts here, never at `appliedAt`
   * while a deployment is still rolling out. Equal to `appliedAt` when there is nothing to
   * watch (the update's return is serving).
   */
  servingAt?: number;
  /** The deployment's last recorded progress (e.g. "1/2 tasks of the new task definition running"). */
  deploymentProgress?: string;
  /** When the deployment was last recorded as checked (`observedAt`): a timeout needs a check after it. */
  deploymentCheckedAt?: number;
  /** The deployment failed, or the platform rolled it back by itself: the release fails here. */
  deploymentFailure?: { state: "failed" | "rolled-back" | "unknown"; reason: string };
  precheck?: Observation;
  lastObservation?: Observation;
  revertFailure?: { reason: string; recoverCommand: string };
  /** Automatic reverts of this cohort that failed (a locked or failing stack), and the last one's time. */
  revertFailures: number;
  revertFailedAt?: number;
}

export type ReleaseStatus =
  | "active"
  | "paused"
  | "blocked"
  | "reverting"
  | "aborting"
  | "stuck"
  | "awaiting-approval"
  | "completed"
  | "failed"
  | "aborted";

export interface ReleaseState extends ApprovalState {
  id: string;
  spec: ReleaseSpec;
  environment: string;
  policy: RolloutPolicy;
  waves: PlannedWave[];
  plannedAt: number;
  targets: Map<string, TargetState>;
  paused: boolean;
  blocked?: { cohort: string; reason: string };
  /** Why the release is being reverted (gate/update failure or abort). */
  failure?: { cohort: string; cause: string; reason: string };
  abortRequested: boolean;
  /** Who recorded the first `abort-requested` (absent when the abort came from a manual revert). */
  abortRequestedBy?: string;
  stuck: boolean;
  outcome?: "completed" | "failed" | "aborted";
  lastSeq: number;
}

export interface CohortState {
  /** The release this cohort's stack was last updated with, by this tool (undefined: unknown/untouched). */
  release?: string;
  /** The last release that reverted this cohort. */
  revertedFrom?: string;
  /** When a release last reached this cohort (its `applied`), for the cohort's cadence. */
  lastAppliedAt?: number;
}

export interface RolloutState {
  releases: Map<string, ReleaseState>;
  cohorts: Map<string, CohortState>;
  /** Release ids in planning order. */
  order: string[];
  lastSeq: number;
}

export interface FoldRecord {
  seq: number;
  at: number;
  event: RolloutEvent;
}

export function emptyState(): RolloutState {
  return { releases: new Map(), cohorts: new Map(), order: [], lastSeq: 0 };
}

export function statusOf(r: ReleaseState): ReleaseStatus {
  if (r.outcome) return r.outcome;
  if (r.stuck) return "stuck";
  if (r.abortRequested) return "aborting";
  if (r.failure) return "reverting";
  if (r.paused) return "paused";
  if (r.blocked) return "blocked";
  if (r.awaitingApproval) return "awaiting-approval";
  return "active";
}

export function isTerminal(r: ReleaseState): boolean {
  return r.outcome !== undefined;
}

/** Releases not yet completed, failed or aborted, in planning order. */
export function activeReleases(s: RolloutState): ReleaseState[] {
  return s.order
    .map((id) => s.releases.get(id))
    .filter((r): r is ReleaseState => !!r && !isTerminal(r));
}

function cohortState(s: RolloutState, cohort: string): CohortState {
  let c = s.cohorts.get(cohort);
  if (!c) {
    c = {};
    s.cohorts.set(cohort, c);
  }
  return c;
}

/** Applies one record. Events for unknown releases/cohorts are ignored: the ledger is the authority, not us. */
export function apply(s: RolloutState, rec: FoldRecord): RolloutState {
  s.lastSeq = rec.seq;
  const e = rec.event;
  if (e.type === "planned") {
    if (s.releases.has(e.release)) return s;
    const targets = new Map<string, TargetState>();
    for (const wave of e.waves) {
      for (const target of wave.targets) {
        const last = s.cohorts.get(target.cohort)?.lastAppliedAt;
        targets.set(target.cohort, {
          target,
          wave: wave.index,
          phase: "pending",
          received: false,
          attempts: 0,
          applyOpen: false,
          revertFailures: 0,
          ...(last !== undefined && target.minIntervalMs
            ? { notBefore: last + target.minIntervalMs }
            : {}),
        });
      }
    }
    s.releases.set(e.release, {
      id: e.release,
      spec: e.releaseSpec,
      environment: e.environment,
      policy: e.policy,
      waves: e.waves,
      plannedAt: rec.at,
      targets,
      paused: false,
      abortRequested: false,
      stuck: false,
      lastSeq: rec.seq,
      plannedSeq: rec.seq,
      approveBefore: e.approveBefore ?? [],
      approvals: new Map(),
    });
    s.order.push(e.release);
    return s;
  }
  const r = s.releases.get(e.release);
  if (!r) return s;
  r.lastSeq = rec.seq;
  const t = "cohort" in e ? r.targets.get(e.cohort) : undefined;
  switch (e.type) {
    case "applying":
      if (!t) break;
      t.phase = "applying";
      t.received = true;
      t.applyOpen = true;
      t.attempts = Math.max(t.attempts, e.attempt);
      if (t.attempts <= 1 || t.previous === undefined) t.previous ??= e.previous;
      break;
    case "applied":
      if (!t) break;
      t.phase = "applied";
      t.applyOpen = false;
      t.appliedAt = rec.at;
      applyDeployment(t, e, rec.at);
      cohortState(s, e.cohort).release = e.release;
      cohortState(s, e.cohort).lastAppliedAt = rec.at;
      holdBackOthers(s, e.release, e.cohort, rec.at);
      break;
    case "observed": {
      if (!t) break;
      const at = e.takenAt ?? rec.at;
      const obs: Observation = { at, phase: e.phase, readings: e.readings, error: e.error };
      if (e.phase === "precheck") t.precheck = obs;
      else t.lastObservation = obs;
      break;
    }
    case "deployment-observed":
      if (t) observeDeployment(t, e);
      break;
    case "blocked":
      r.blocked = { cohort: e.cohort, reason: e.reason };
      // A blocked apply (locked stack) never started: the cohort is back to pending.
      if (t && t.phase === "applying") {
        t.phase = "pending";
        t.applyOpen = false;
        // A first attempt that never started left the stack as it was: nothing to revert there.
        // Forget the update it read as its revert target too: the lock holder may be changing
        // the stack, and the real attempt records the stack's last good update as it is then.
        if (t.attempts <= 1) {
          t.received = false;
          t.previous = undefined;
        }
      }
      break;
    case "passed":
      if (t) t.phase = "passed";
      break;
    case "failed":
      if (t && t.phase !== "reverted") t.phase = "failed";
      // An update cancelled because the release was being stopped: the stack may hold part of
      // it (`applying` stays open: its revert refreshes first), but the release did not fail
      // there. It was aborting; make sure it keeps doing so.
      if (e.cause === "cancelled") {
        if (!r.outcome && !r.failure) r.abortRequested = true;
        break;
      }
      r.failure ??= { cohort: e.cohort, cause: e.cause, reason: e.reason };
      break;
    case "reverting":
      if (t) {
        t.phase = "reverting";
        t.previous ??= e.to;
      }
      if (e.manual && !r.outcome) r.abortRequested = true;
      break;
    case "reverted":
      if (t) {
        t.phase = "reverted";
        t.revertFailure = undefined;
      }
      cohortState(s, e.cohort).revertedFrom = e.release;
      cohortState(s, e.cohort).release = undefined;
      if (r.stuck && ![...r.targets.values()].some((x) => x.phase === "revert-failed"))
        r.stuck = false;
      break;
    case "revert-failed":
      if (t) {
        t.phase = "revert-failed";
        t.revertFailure = { reason: e.reason, recoverCommand: e.recoverCommand };
        t.revertFailures += 1;
        t.revertFailedAt = rec.at;
      }
      r.stuck = true;
      break;
    case "approval-requested":
    case "approved":
    case "rejected":
      applyApprovalEvent(r, e, rec.at);
      break;
    case "paused":
      r.paused = true;
      break;
    case "resumed":
      r.paused = false;
      if (r.blocked) {
        const bt = r.targets.get(r.blocked.cohort);
        if (bt) bt.precheck = undefined;
        r.blocked = undefined;
      }
      // A human resuming a stuck release asks us to retry the failed reverts.
      if (r.stuck) {
        r.stuck = false;
        for (const x of r.targets.values()) if (x.phase === "revert-failed") x.phase = "reverting";
      }
      break;
    case "abort-requested":
      if (!r.outcome) {
        r.abortRequested = true;
        r.abortRequestedBy ??= e.by;
      }
      break;
    case "aborted":
      r.outcome = "aborted";
      break;
    case "completed":
      r.outcome = "completed";
      break;
    case "release-failed":
      r.outcome = "failed";
      break;
  }
  return s;
}

/** An update returned: what there is to watch before its bake may start. */
function applyDeployment(t: TargetState, e: EventOf<"applied">, at: number): void {
  t.deployment = e.deployment;
  t.deploymentProgress = undefined;
  t.deploymentCheckedAt = undefined;
  t.deploymentFailure =
    e.deploymentUnknown !== undefined
      ? { state: "unknown", reason: e.deploymentUnknown }
      : undefined;
  // Nothing to watch: the update returned once the new version served (or an older ledger).
  t.servingAt = e.deployment === undefined ? at : undefined;
}

/**
 * A deployment check's result. Only a cohort that has the release (`applied`) takes it: a
 * check that raced a failure or a revert is history, not news.
 */
function observeDeployment(t: TargetState, e: EventOf<"deployment-observed">): void {
  if (t.phase !== "applied") return;
  t.deploymentCheckedAt = Math.max(t.deploymentCheckedAt ?? e.observedAt, e.observedAt);
  switch (e.state) {
    case "in-progress":
      t.deploymentProgress = e.reason;
      break;
    case "serving":
      // The first "serving" starts the bake; a later one (after a redeploy of the same version)
      // does not restart it.
      t.servingAt ??= e.observedAt;
      t.deploymentProgress = undefined;
      break;
    case "failed":
    case "rolled-back":
      t.deploymentFailure ??= { state: e.state, reason: e.reason };
      break;
  }
}

/**
 * Cadence across a release train: `notBefore` is set when a release is planned, from the
 * cohort's last release then. A release already planned and not yet at this cohort must also
 * wait for the cohort's interval after this newer arrival.
 */
function holdBackOthers(s: RolloutState, release: string, cohort: string, at: number): void {
  for (const other of s.releases.values()) {
    if (other.id === release || other.outcome) continue;
    const t = other.targets.get(cohort);
    if (!t || t.phase !== "pending" || !t.target.minIntervalMs) continue;
    t.notBefore = Math.max(t.notBefore ?? at, at + t.target.minIntervalMs);
  }
}

export function fold(records: Iterable<FoldRecord>): RolloutState {
  let s = emptyState();
  for (const rec of records) s = apply(s, rec);
  return s;
}
