/**
 * Before a cohort's update, and after one was interrupted: the decisions the runner used to
 * make itself, now pure. The runner gathers facts through its ports (the stack's last good
 * update, a preview, the pin and last update after a crash) and hands them here; what comes
 * back is the event to record. Nothing here reads a stack or a clock.
 */
import { dataLossChanges, describeChange } from "./data-loss.js";
import type { EventOf, PlannedTarget, RolloutEvent } from "./events.js";
import type { ApplyResult, Pin, PreviewResult, UpdateRecord } from "./ports.js";
import type { ReleaseState } from "./state.js";
import { isUpdateOfRelease } from "./update-identity.js";

/** What the runner has found out so far before a cohort's first attempt. */
export interface PreflightFacts {
  /** The stack's last good update (undefined: never deployed successfully). */
  previous: UpdateRecord | undefined;
  /** The preview of the release on the stack, or why it could not run; absent: not run yet. */
  preview?: { ok: true; result: PreviewResult } | { ok: false; error: string };
}

export type PreflightDecision =
  /** The release stops at this cohort before touching it (recorded as `failed`). */
  | { kind: "refuse"; event: EventOf<"failed"> }
  /** Preview the release on the stack, then decide again with its result. */
  | { kind: "preview" }
  /** Start the update: record `applying` with the update a revert returns to. */
  | { kind: "apply"; event: EventOf<"applying"> };

function refuse(
  r: ReleaseState,
  t: PlannedTarget,
  cause: "refused" | "preview",
  reason: string,
): PreflightDecision {
  return {
    kind: "refuse",
    event: { type: "failed", release: r.id, cohort: t.cohort, cause, reason },
  };
}

/**
 * A cohort's first attempt: refused without a good update to revert to, when its preview
 * cannot run, or when it would lose data the release did not allow; else applied.
 */
export function decidePreflight(
  r: ReleaseState,
  t: PlannedTarget,
  facts: PreflightFacts,
): PreflightDecision {
  const { previous, preview } = facts;
  if (previous === undefined) {
    // Without a good update there is nothing to revert to: a failed gate would leave the
    // cohort on the bad release with no automatic way back. Refuse before touching it.
    return refuse(
      r,
      t,
      "refused",
      `${t.stack} has no successful update to revert to if this release fails — deploy it once with \`pulumi up --stack ${t.stack}\`, then deploy the release again`,
    );
  }
  if (preview === undefined) return { kind: "preview" };
  // The release cannot even be previewed on this cohort (its program throws on the new
  // config, a provider rejects it): it fails here, before `applying`, and the cohorts it
  // already reached are reverted like after a failed update.
  if (!preview.ok) return refuse(r, t, "preview", `preview of ${t.stack} failed: ${preview.error}`);
  const loss = dataLossChanges(preview.result);
  if (loss.length > 0 && !r.policy.allowDataLoss) {
    return refuse(
      r,
      t,
      "refused",
      `the release would lose data: ${loss.map(describeChange).join("; ")} — re-run with --allow-data-loss if intended`,
    );
  }
  return {
    kind: "apply",
    event: {
      type: "applying",
      release: r.id,
      cohort: t.cohort,
      stack: t.stack,
      previous,
      attempt: 1,
    },
  };
}

/** What the runner found on a stack whose update was interrupted (after refreshing it). */
export interface InterruptedApplyFacts {
  /** The stack's pin (the release it runs), as read after the refresh. */
  pin: Pin | undefined;
  /** The stack's most recent succeeded update. */
  last: UpdateRecord | undefined;
}

export type Reconciliation =
  /** The update finished before the process stopped: record it (its deployment added by the runner). */
  | { kind: "finished"; event: EventOf<"applied"> }
  /** It did not: record the next attempt, then apply again. */
  | { kind: "reapply"; event: EventOf<"applying"> };

/**
 * Whether an update of this release that has `applying` and no outcome finished. The facts
 * the answer rests on are recorded in the event (`found`), so a replay shows why.
 */
export function reconcileInterrupted(
  r: ReleaseState,
  t: PlannedTarget,
  attempt: number,
  facts: InterruptedApplyFacts,
): Reconciliation {
  const state = r.targets.get(t.cohort);
  const { pin, last } = facts;
  const found = {
    ...(pin?.release !== undefined ? { pinRelease: pin.release } : {}),
    ...(last !== undefined ? { lastUpdate: last } : {}),
  };
  // Not by version: file and DIY backends number every update 0 (update-identity.ts).
  const finished =
    isUpdateOfRelease(last, r.id, state?.previous) && (t.edge || pin?.release === r.id);
  if (finished)
    return {
      kind: "finished",
      event: {
        type: "applied",
        release: r.id,
        cohort: t.cohort,
        ...(last.version > 0 ? { updateVersion: last.version } : {}),
        recovered: true,
        found,
      },
    };
  return {
    kind: "reapply",
    event: {
      type: "applying",
      release: r.id,
      cohort: t.cohort,
      stack: t.stack,
      previous: state?.previous,
      attempt,
      found,
    },
  };
}

type FailureCause = Extract<RolloutEvent, { type: "failed" }>["cause"];

function failedAt(
  release: string,
  cohort: string,
  cause: FailureCause,
  reason: string,
): RolloutEvent {
  return { type: "failed", release, cohort, cause, reason };
}

/**
 * What an update's result records: applied, blocked (stack locked), or failed (cancelled or not).
 * `cancelledBecause`: the ledger said to stop while it ran (machine.ts `cancelsRunningUpdate`).
 */
export function updateOutcome(
  release: string,
  t: PlannedTarget,
  result: ApplyResult,
  cancelledBecause: string | undefined,
): RolloutEvent {
  if (result.ok)
    return {
      type: "applied",
      release,
      cohort: t.cohort,
      updateVersion: result.updateVersion,
      recovered: false,
    };
  if (result.locked)
    return {
      type: "blocked",
      release,
      cohort: t.cohort,
      reason: `stack ${t.stack} is locked by another update (${result.error ?? "locked"}); wait for it or run \`pulumi cancel --stack ${t.stack}\`, then resume`,
    };
  // Cancelled because the release is stopping: the stack may hold part of the update. The
  // `applying` stays open in the state, so its revert refreshes the stack first.
  if (cancelledBecause !== undefined)
    return failedAt(
      release,
      t.cohort,
      "cancelled",
      `update of ${t.stack} cancelled: ${cancelledBecause} (${result.error ?? "the update stopped"})`,
    );
  return failedAt(
    release,
    t.cohort,
    "update",
    `update of ${t.stack} failed: ${result.error ?? "unknown error"}`,
  );
}
