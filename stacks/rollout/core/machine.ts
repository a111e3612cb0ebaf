/**
 * The decision logic: given a release's state (folded from the ledger) and
 * the time, what happens next. Pure — no I/O, no clock — so every decision
 * (advance, hold, revert, halt) can be replayed and tested exhaustively.
 *
 * Decisions that need no outside world are returned as `record` commands
 * (the runner appends the event); the rest ask the runner to act through a
 * port (precheck, apply, observe, revert) and record what happened.
 */
import type { DeploymentRef } from "../../../components/contract.js";
import { approvalHold } from "./approvals.js";
import { deploymentFailureReason, deploymentVerdict } from "./deployment.js";
import type { PlannedTarget, RolloutEvent } from "./events.js";
import { bakeVerdict, precheckVerdict } from "./gate-policy.js";
import { deploymentsToWatchDuringBake, nextPollAt } from "./observations.js";
import type { ReleaseState, TargetState } from "./state.js";

export type Outcome =
  "completed" | "failed" | "aborted" | "paused" | "blocked" | "stuck" | "awaiting-approval";

export type Command =
  /**
   * Append `event`; when it was appended (no other writer got in first), carry out `then` in
   * the same step. A revert is started this way: the step that records `reverting` runs it,
   * so a `revert` decided later is one an earlier step (or process) left unfinished.
   */
  | { kind: "record"; event: RolloutEvent; then?: Command }
  | { kind: "precheck"; release: string; target: PlannedTarget }
  /** `interrupted`: an earlier `applying` has no outcome — refresh and reconcile before re-applying. */
  | {
      kind: "apply";
      release: string;
      target: PlannedTarget;
      wave: number;
      interrupted: boolean;
      attempt: number;
    }
  /**
   * Read the wave's alarms at `pollAt` (observations.ts `nextPollAt`); `bakeEndsAt` per cohort
   * so the readings worth recording (final ones among them) are known. Then check the serving
   * deployments of `watch`: the baking cohorts' and those of every cohort whose bake passed.
   */
  | {
      kind: "observe";
      release: string;
      targets: PlannedTarget[];
      bakeEndsAt: Record<string, number>;
      final: boolean;
      pollAt: number;
      watch: PlannedTarget[];
    }
  /** `manual`: an operator's revert of a cohort of a finished release (recorded as such). */
  | {
      kind: "revert";
      release: string;
      target: PlannedTarget;
      to: TargetState["previous"];
      refreshFirst: boolean;
      manual: boolean;
    }
  /**
   * The cohort's update returned but its new version does not serve yet: check its deployment
   * (at most once a poll interval) until it serves, fails, or `until` (its deployment timeout)
   * passes. The bake has not started.
   */
  | {
      kind: "await-serving";
      release: string;
      target: PlannedTarget;
      deployment: DeploymentRef;
      until: number;
    }
  /** Cadence: the next cohort may not take a release before `until`; sleep, then decide again. */
  | { kind: "wait"; release: string; cohort: string; until: number; reason: string }
  | { kind: "stop"; release: string; outcome: Outcome; reason: string };

/** Cohorts that may hold the release, most critical first: the order reverts run in. */
export function revertOrder(r: ReleaseState): TargetState[] {
  return [...r.targets.values()]
    .filter((t) => t.received)
    .sort(
      (a, b) =>
        b.wave - a.wave ||
        b.target.criticality - a.target.criticality ||
        b.target.cohort.localeCompare(a.target.cohort),
    );
}

function record(event: RolloutEvent): Command {
  return { kind: "record", event };
}

/** Automatic attempts at reverting one cohort before the run stops for a human. */
export const REVERT_ATTEMPTS = 3;

/** Record that a cohort's revert starts, and start it in the same step. */
function startRevert(r: ReleaseState, t: TargetState): Command {
  return {
    kind: "record",
    event: {
      type: "reverting",
      release: r.id,
      cohort: t.target.cohort,
      stack: t.target.stack,
      to: t.previous,
      manual: false,
    },
    // The release's update was cut off or failed mid-way: clear pending operations first.
    then: {
      kind: "revert",
      release: r.id,
      target: t.target,
      to: t.previous,
      refreshFirst: t.applyOpen,
      manual: false,
    },
  };
}

function decideRevert(r: ReleaseState, now: number): Command {
  // A cohort whose revert failed (its stack locked, its update failing) never holds back the
  // reverts of the others: a less critical cohort that already had the release goes back to
  // its known-good pin even when a more critical one cannot yet.
  const blocked: TargetState[] = [];
  for (const t of revertOrder(r)) {
    if (t.phase === "reverted") continue;
    if (t.phase === "revert-failed") {
      blocked.push(t);
      continue;
    }
    if (t.phase !== "reverting") return startRevert(r, t);
    return {
      kind: "revert",
      release: r.id,
      target: t.target,
      to: t.previous,
      // A revert recorded and not finished (the step that records one runs it): a process
      // died mid-revert, another one started it, or a human asked for it or resumed it. It
      // may have left pending operations: refresh first.
      refreshFirst: true,
      manual: false,
    };
  }
  // Every other cohort is reverted: retry the blocked ones (a lock may have been released),
  // each after a growing wait, a few times; then stop for a human, naming every one.
  for (const t of blocked) {
    if (t.revertFailures >= REVERT_ATTEMPTS) continue;
    const retryAt =
      (t.revertFailedAt ?? now) + r.policy.pollIntervalMs * 2 ** Math.max(0, t.revertFailures - 1);
    if (now < retryAt)
      return {
        kind: "wait",
        release: r.id,
        cohort: t.target.cohort,
        until: retryAt,
        reason: `the revert of ${t.target.cohort} failed (${t.revertFailure?.reason ?? "unknown"}); retrying it (attempt ${String(t.revertFailures + 1)} of ${String(REVERT_ATTEMPTS)}) at ${new Date(retryAt).toISOString()}`,
      };
    return startRevert(r, t);
  }
  if (blocked.length > 0) {
    const each = blocked.map(
      (t) =>
        `revert of ${t.target.cohort} failed ${String(t.revertFailures)} time(s): ${t.revertFailure?.reason ?? "unknown"} — recover with: ${t.revertFailure?.recoverCommand ?? "?"}`,
    );
    return { kind: "stop", release: r.id, outcome: "stuck", reason: each.join("; ") };
  }
  // A release that failed stays failed even if a human also aborted it or reverted by hand.
  if (r.failure) {
    const why = `${r.failure.cohort}: ${r.failure.reason}`;
    return record({ type: "release-failed", release: r.id, reason: why });
  }
  return record({ type: "aborted", release: r.id });
}

/**
 * Whether an update of this release that is running now must be cancelled, and why: the ledger
 * says the release is to stop and revert (an abort, a manual revert of a cohort, a failure or a
 * failed revert recorded meanwhile), so finishing the update would only make its revert
 * longer. A pause is not such a reason: it stops the run after its current step, and the
 * running update is that step. A release already over is left to the runner's next decision.
 */
export function cancelsRunningUpdate(r: ReleaseState): string | undefined {
  if (r.outcome) return undefined;
  if (r.failure) return `the release failed at ${r.failure.cohort}: ${r.failure.reason}`;
  if (r.abortRequested)
    return r.abortRequestedBy !== undefined
      ? `abort requested by ${r.abortRequestedBy}`
      : "abort requested (a cohort is being reverted)";
  if (r.stuck) return "a revert of the release failed";
  return undefined;
}

export { DEFAULT_DEPLOYMENT_TIMEOUT_MS } from "./deployment.js";

/**
 * A cohort that has the release (`applied`): has its deployment failed, is it still rolling
 * out, or does the new version serve (undefined: nothing to do here, its bake may run)? The
 * verdict is deployment.ts's, shared with the release train.
 */
export function decideDeployment(
  r: ReleaseState,
  t: TargetState,
  now: number,
): Command | undefined {
  const v = deploymentVerdict(t, t.target.stack, t.target.deploymentTimeoutMs, now);
  if (!v) return undefined;
  if (v.kind === "fail")
    return record({
      type: "failed",
      release: r.id,
      cohort: t.target.cohort,
      cause: "deployment",
      reason: v.reason,
    });
  return {
    kind: "await-serving",
    release: r.id,
    target: t.target,
    deployment: v.deployment,
    until: v.until,
  };
}

/**
 * A cohort whose bake passed is still watched while the later waves deploy and bake: a
 * deployment that failed there, or that the platform (or a human in its console) rolled back,
 * leaves the cohort on a version the release does not know. The release fails at that cohort
 * and reverts every cohort it reached, as a train's observation window does
 * (train/scheduler.ts). The wave named is the one that baked when it was seen: checks of passed
 * cohorts run only with a wave's bake reads.
 */
function decidePassedDeployments(r: ReleaseState): Command | undefined {
  const baking = r.waves.find((w) =>
    w.targets.some((pt) => r.targets.get(pt.cohort)?.phase !== "passed"),
  );
  for (const t of r.targets.values()) {
    if (t.phase !== "passed") continue;
    const failure = deploymentFailureReason(t, t.target.stack);
    if (failure === undefined) continue;
    const during = baking ? `, while wave ${String(baking.index + 1)} baked` : "";
    return record({
      type: "failed",
      release: r.id,
      cohort: t.target.cohort,
      cause: "deployment",
      reason: `${failure} (after ${t.target.cohort}'s bake passed${during})`,
    });
  }
  return undefined;
}

export function decide(r: ReleaseState, now: number): Command {
  if (r.outcome) {
    // An operator asked for one cohort of a finished release back on its update from before
    // the release (`revert --cohort`, an intent recorded as a manual `reverting`): carry it
    // out, refreshing first since nothing says how the stack was left. One attempt: a failure
    // is recorded and a human retries with the same command.
    const asked = [...r.targets.values()].find((t) => t.received && t.phase === "reverting");
    if (asked)
      return {
        kind: "revert",
        release: r.id,
        target: asked.target,
        to: asked.previous,
        refreshFirst: true,
        manual: true,
      };
    const reason =
      r.outcome === "completed" ? "every wave passed" : (r.failure?.reason ?? r.outcome);
    return { kind: "stop", release: r.id, outcome: r.outcome, reason };
  }
  // Reverts run even while paused: returning to a known-good pin is never held back.
  if (r.failure || r.abortRequested || r.stuck) return decideRevert(r, now);
  if (r.paused)
    return { kind: "stop", release: r.id, outcome: "paused", reason: "paused by an operator" };
  if (r.blocked) {
    return {
      kind: "stop",
      release: r.id,
      outcome: "blocked",
      reason: `${r.blocked.cohort}: ${r.blocked.reason}`,
    };
  }

  const passedFailed = decidePassedDeployments(r);
  if (passedFailed) return passedFailed;

  for (const wave of r.waves) {
    const targets = wave.targets
      .map((pt) => r.targets.get(pt.cohort))
      .filter((t): t is TargetState => !!t);
    if (targets.every((t) => t.phase === "passed")) continue;
    // A wave none of whose cohorts has started may need a person's approval first.
    if (targets.every((t) => t.phase === "pending")) {
      const hold = approvalHold(r, wave.index);
      if (hold) return hold;
    }

    // Apply the wave's cohorts one by one, each after its own precheck.
    for (const t of targets) {
      if (t.phase === "applying") {
        return {
          kind: "apply",
          release: r.id,
          target: t.target,
          wave: wave.index,
          interrupted: true,
          attempt: t.attempts + 1,
        };
      }
      const deploying = decideDeployment(r, t, now);
      if (deploying) return deploying;
      if (t.phase !== "pending") continue;
      if (t.notBefore !== undefined && now < t.notBefore) {
        return {
          kind: "wait",
          release: r.id,
          cohort: t.target.cohort,
          until: t.notBefore,
          reason: `${t.target.cohort} takes a release at most every ${Math.round((t.target.minIntervalMs ?? 0) / 1000)}s (its cadence); waiting until ${new Date(t.notBefore).toISOString()}`,
        };
      }
      // A precheck older than two polls (a restart much later) is taken again before deploying;
      // so is one dated after `now` (the clock went back, or another machine's ran ahead): its
      // age is unknown.
      const pre = t.precheck;
      const age = pre ? now - pre.at : -1;
      if (!pre || age < 0 || age > 2 * r.policy.pollIntervalMs)
        return { kind: "precheck", release: r.id, target: t.target };
      const v = precheckVerdict({
        readings: pre.readings,
        declared: t.target.alarmNames,
        error: pre.error,
      });
      if (v.kind === "fail")
        return record({
          type: "blocked",
          release: r.id,
          cohort: t.target.cohort,
          reason: v.reason,
        });
      return {
        kind: "apply",
        release: r.id,
        target: t.target,
        wave: wave.index,
        interrupted: false,
        attempt: 1,
      };
    }

    // Every cohort of the wave is applied: bake them together, each to its own end.
    const baking = targets.filter((t) => t.phase === "applied");
    if (baking.length === 0) {
      // Unreachable from a well-formed ledger (a non-passed, non-pending cohort means a failure).
      return {
        kind: "stop",
        release: r.id,
        outcome: "stuck",
        reason: `wave ${wave.index + 1} has no cohort to bake and not every cohort passed; inspect \`cohort-rollout history\``,
      };
    }
    const bakeEndsAt: Record<string, number> = {};
    let needFinal = false;
    for (const t of baking) {
      // The bake watches the new version: its clock starts when the version serves.
      const end = (t.servingAt ?? t.appliedAt ?? now) + t.target.bakeMs;
      bakeEndsAt[t.target.cohort] = end;
      const obs = t.lastObservation;
      if (!obs) continue;
      const ended = obs.at >= end;
      const v = bakeVerdict(
        { readings: obs.readings, declared: t.target.alarmNames, error: obs.error },
        r.policy.insufficientData,
        ended,
      );
      if (v.kind === "fail") {
        return record({
          type: "failed",
          release: r.id,
          cohort: t.target.cohort,
          cause: "gate",
          reason: v.reason,
        });
      }
      if (ended && v.kind === "pass" && obs.at >= (t.servingAt ?? t.appliedAt ?? 0)) {
        return record({ type: "passed", release: r.id, cohort: t.target.cohort });
      }
    }
    for (const t of baking) {
      const end = bakeEndsAt[t.target.cohort] ?? now;
      if (now >= end && !(t.lastObservation && t.lastObservation.at >= end)) needFinal = true;
    }
    return {
      kind: "observe",
      release: r.id,
      targets: baking.map((t) => t.target),
      bakeEndsAt,
      final: needFinal,
      pollAt: nextPollAt(r, baking, bakeEndsAt, needFinal, now),
      watch: deploymentsToWatchDuringBake(r, baking),
    };
  }
  return record({ type: "completed", release: r.id });
}
