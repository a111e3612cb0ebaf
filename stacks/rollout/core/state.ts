/**
 * The rollout state: a pure fold over ledger records, keyed by release and
 * then by cohort, so several releases can be in flight (a release train)
 * without a redesign. Nothing here reads a clock or a stack; replaying the
 * same records always yields the same state.
 */
import type { z } from "zod";
import type { ApprovalState } from "./approvals.js";
import type { DeploymentFacts } from "./deployment.js";
import { type Condition, type ConditionType, syncConditions } from "./conditions.js";
import { HANDLERS, type Handler, plan } from "./reducers.js";
import type {
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

/** A cohort of a release: its deployment fields (appliedAt, servingAt, …) are deployment.ts's. */
export interface TargetState extends DeploymentFacts {
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
  /** Why the release is where it is (conditions.ts), each stamped with its record's time. */
  conditions: Map<ConditionType, Condition>;
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

/** Applies one record. Events for unknown releases/cohorts are ignored: the ledger is the authority, not us. */
export function apply(s: RolloutState, rec: FoldRecord): RolloutState {
  s.lastSeq = rec.seq;
  const e = rec.event;
  if (e.type === "planned") {
    plan(s, e, rec);
    return s;
  }
  const r = s.releases.get(e.release);
  if (!r) return s;
  r.lastSeq = rec.seq;
  const t = "cohort" in e ? r.targets.get(e.cohort) : undefined;
  // One small handler per event type (reducers.ts); the cast pairs each event with its own.
  (HANDLERS[e.type] as Handler<typeof e.type>)({ s, r, t, e, at: rec.at });
  syncConditions(r, rec.at);
  return s;
}

export function fold(records: Iterable<FoldRecord>): RolloutState {
  let s = emptyState();
  for (const rec of records) s = apply(s, rec);
  return s;
}
