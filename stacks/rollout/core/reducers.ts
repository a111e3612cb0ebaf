/**
 * The fold's handlers: one small function per event type, in a table the
 * fold (state.ts `apply`) dispatches on. Each handler mutates the release the
 * event names; none reads a clock or a stack, so replaying the same records
 * gives the same state. Adding an event type without a handler fails to
 * type-check.
 */
import { applyApprovalEvent } from "./approvals.js";
import { foldApplied, foldDeploymentObserved } from "./deployment.js";
import type { EventOf, RolloutEvent } from "./events.js";
import type {
  CohortState,
  FoldRecord,
  Observation,
  ReleaseState,
  RolloutState,
  TargetState,
} from "./state.js";

type ReleaseEventType = Exclude<RolloutEvent["type"], "planned">;

/** What a handler is given: the whole state, the release and cohort the event names, the record's time. */
export interface HandlerInput<T extends ReleaseEventType> {
  s: RolloutState;
  r: ReleaseState;
  /** The cohort the event names, when it names one the plan has. */
  t: TargetState | undefined;
  e: EventOf<T>;
  at: number;
}

export type Handler<T extends ReleaseEventType> = (input: HandlerInput<T>) => void;

function cohortState(s: RolloutState, cohort: string): CohortState {
  let c = s.cohorts.get(cohort);
  if (!c) {
    c = {};
    s.cohorts.set(cohort, c);
  }
  return c;
}

/** `planned`: a new release with every cohort pending (a re-plan of a known id is ignored). */
export function plan(s: RolloutState, e: EventOf<"planned">, rec: FoldRecord): void {
  if (s.releases.has(e.release)) return;
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
  const r: ReleaseState = {
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
    conditions: new Map(),
  };
  s.releases.set(e.release, r);
  s.order.push(e.release);
}

const applying: Handler<"applying"> = ({ t, e }) => {
  if (!t) return;
  t.phase = "applying";
  t.received = true;
  t.applyOpen = true;
  t.attempts = Math.max(t.attempts, e.attempt);
  if (t.attempts <= 1 || t.previous === undefined) t.previous ??= e.previous;
};

const applied: Handler<"applied"> = ({ s, t, e, at }) => {
  if (!t) return;
  t.phase = "applied";
  t.applyOpen = false;
  t.appliedAt = at;
  foldApplied(t, e, at);
  cohortState(s, e.cohort).release = e.release;
  cohortState(s, e.cohort).lastAppliedAt = at;
  holdBackOthers(s, e.release, e.cohort, at);
};

const observed: Handler<"observed"> = ({ t, e, at }) => {
  if (!t) return;
  const obs: Observation = {
    at: e.takenAt ?? at,
    phase: e.phase,
    readings: e.readings,
    error: e.error,
  };
  if (e.phase === "precheck") t.precheck = obs;
  else t.lastObservation = obs;
};

const deploymentObserved: Handler<"deployment-observed"> = ({ t, e }) => {
  if (t) foldDeploymentObserved(t, e);
};

const blocked: Handler<"blocked"> = ({ r, t, e }) => {
  r.blocked = { cohort: e.cohort, reason: e.reason };
  // A blocked apply (locked stack) never started: the cohort is back to pending.
  if (!t || t.phase !== "applying") return;
  t.phase = "pending";
  t.applyOpen = false;
  // A first attempt that never started left the stack as it was: nothing to revert there.
  // Forget the update it read as its revert target too: the lock holder may be changing
  // the stack, and the real attempt records the stack's last good update as it is then.
  if (t.attempts <= 1) {
    t.received = false;
    t.previous = undefined;
  }
};

const passed: Handler<"passed"> = ({ t }) => {
  if (t) t.phase = "passed";
};

const failed: Handler<"failed"> = ({ r, t, e }) => {
  if (t && t.phase !== "reverted") t.phase = "failed";
  // An update cancelled because the release was being stopped: the stack may hold part of
  // it (`applying` stays open: its revert refreshes first), but the release did not fail
  // there. It was aborting; make sure it keeps doing so.
  if (e.cause === "cancelled") {
    if (!r.outcome && !r.failure) r.abortRequested = true;
    return;
  }
  r.failure ??= { cohort: e.cohort, cause: e.cause, reason: e.reason };
};

const reverting: Handler<"reverting"> = ({ r, t, e }) => {
  if (t) {
    t.phase = "reverting";
    t.previous ??= e.to;
  }
  if (e.manual && !r.outcome) r.abortRequested = true;
};

const reverted: Handler<"reverted"> = ({ s, r, t, e }) => {
  if (t) {
    t.phase = "reverted";
    t.revertFailure = undefined;
  }
  cohortState(s, e.cohort).revertedFrom = e.release;
  cohortState(s, e.cohort).release = undefined;
  if (r.stuck && ![...r.targets.values()].some((x) => x.phase === "revert-failed")) r.stuck = false;
};

const revertFailed: Handler<"revert-failed"> = ({ r, t, e, at }) => {
  if (t) {
    t.phase = "revert-failed";
    t.revertFailure = { reason: e.reason, recoverCommand: e.recoverCommand };
    t.revertFailures += 1;
    t.revertFailedAt = at;
  }
  r.stuck = true;
};

// Approval events fold in approvals.ts, beside the rest of what approvals mean.
const approvalRequested: Handler<"approval-requested"> = ({ r, e, at }) =>
  applyApprovalEvent(r, e, at);
const approved: Handler<"approved"> = ({ r, e, at }) => applyApprovalEvent(r, e, at);
const rejected: Handler<"rejected"> = ({ r, e, at }) => applyApprovalEvent(r, e, at);

const paused: Handler<"paused"> = ({ r }) => {
  r.paused = true;
};

const resumed: Handler<"resumed"> = ({ r }) => {
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
};

const abortRequested: Handler<"abort-requested"> = ({ r, e }) => {
  if (r.outcome) return;
  r.abortRequested = true;
  r.abortRequestedBy ??= e.by;
};

const aborted: Handler<"aborted"> = ({ r }) => {
  r.outcome = "aborted";
};

const completed: Handler<"completed"> = ({ r }) => {
  r.outcome = "completed";
};

const releaseFailed: Handler<"release-failed"> = ({ r }) => {
  r.outcome = "failed";
};

/**
 * Release-train events (train/events.ts) belong to the train's own fold (train/state.ts): a
 * train release is never `planned`, so this fold has no release for them and ignores them.
 */
const trainOnly = (): void => undefined;

/** Every event type but `planned` (which creates the release), with its handler. */
export const HANDLERS: { [T in ReleaseEventType]: Handler<T> } = {
  applying,
  applied,
  observed,
  "deployment-observed": deploymentObserved,
  blocked,
  passed,
  failed,
  reverting,
  reverted,
  "revert-failed": revertFailed,
  "approval-requested": approvalRequested,
  approved,
  rejected,
  paused,
  resumed,
  "abort-requested": abortRequested,
  aborted,
  completed,
  "release-failed": releaseFailed,
  "train-submitted": trainOnly,
  "train-entered": trainOnly,
  "train-held": trainOnly,
  "train-unheld": trainOnly,
  "train-settled": trainOnly,
  "train-finished": trainOnly,
};

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
