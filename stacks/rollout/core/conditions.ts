/**
 * A release's state as a phase plus recorded conditions, the way Argo Rollouts
 * and Kargo expose theirs: the phase says where the release is in its life,
 * each condition says why (type, status, reason, message, and the time of the
 * ledger record at which it last changed). Both are derived inside the fold
 * (state.ts), so a replay gives the same conditions with the same times.
 */
import type { ReleaseState } from "./state.js";

export type ReleasePhase =
  "Progressing" | "Paused" | "Reverting" | "Succeeded" | "Failed" | "Aborted";

export type ConditionType =
  | "Progressing"
  | "Paused"
  | "Blocked"
  | "AwaitingApproval"
  | "Failed"
  | "AbortRequested"
  | "RevertFailed"
  | "Completed";

export interface Condition {
  type: ConditionType;
  status: "True" | "False";
  /** A CamelCase word a program can switch on. */
  reason: string;
  /** The sentence a person reads. */
  message: string;
  /** The time (epoch ms) of the ledger record at which `status` last changed. */
  lastTransitionAt: number;
  /** The time of the ledger record that last set `reason` or `message`. */
  lastUpdateAt: number;
}

/** The phase a release is in: where it is in its life, not why (that is the conditions). */
export function phaseOf(r: ReleaseState): ReleasePhase {
  if (r.outcome === "completed") return "Succeeded";
  if (r.outcome === "failed") return "Failed";
  if (r.outcome === "aborted") return "Aborted";
  if (r.failure || r.abortRequested || r.stuck) return "Reverting";
  if (r.paused || r.blocked || r.awaitingApproval) return "Paused";
  return "Progressing";
}

type Wanted = Pick<Condition, "status" | "reason" | "message">;

const FAILURE_REASONS: Record<string, string> = {
  gate: "GateFailed",
  update: "UpdateFailed",
  preview: "PreviewFailed",
  refused: "PreflightRefused",
  deployment: "DeploymentFailed",
  cancelled: "UpdateCancelled",
};

/** What each condition says about the release as folded so far (undefined: not applicable yet). */
function wanted(r: ReleaseState): Partial<Record<ConditionType, Wanted>> {
  const on = (reason: string, message: string): Wanted => ({ status: "True", reason, message });
  const off = (reason: string, message: string): Wanted => ({ status: "False", reason, message });
  const revertFailures = [...r.targets.values()].filter((t) => t.phase === "revert-failed");
  return {
    Progressing: r.outcome
      ? off(
          r.outcome === "completed" ? "Completed" : r.outcome === "failed" ? "Failed" : "Aborted",
          `the release ended ${r.outcome}`,
        )
      : on("Planned", `planned in ${String(r.waves.length)} wave(s)`),
    Paused: r.paused
      ? on("PausedByOperator", "paused by an operator")
      : off("Resumed", "not paused"),
    Blocked: r.blocked
      ? on("PrecheckFailed", `${r.blocked.cohort}: ${r.blocked.reason}`)
      : off("NotBlocked", "not blocked"),
    AwaitingApproval: r.awaitingApproval
      ? on(
          "ApprovalRequested",
          `wave ${String(r.awaitingApproval.wave + 1)} (${r.awaitingApproval.cohorts.join(", ")}) waits for approval`,
        )
      : r.rejection
        ? off(
            "Rejected",
            `wave ${String(r.rejection.wave + 1)} rejected by ${r.rejection.by}: ${r.rejection.reason}`,
          )
        : off("NotAwaiting", "no approval awaited"),
    Failed: r.failure
      ? on(FAILURE_REASONS[r.failure.cause] ?? "Failed", `${r.failure.cohort}: ${r.failure.reason}`)
      : undefined,
    AbortRequested: r.abortRequested
      ? on(
          r.rejection ? "Rejected" : "AbortRequested",
          r.abortRequestedBy !== undefined
            ? `abort requested by ${r.abortRequestedBy}`
            : "abort requested (a cohort is being reverted)",
        )
      : undefined,
    RevertFailed: r.stuck
      ? on(
          "RevertFailed",
          revertFailures
            .map((t) => `${t.target.cohort}: ${t.revertFailure?.reason ?? "unknown"}`)
            .join("; ") || "a revert failed",
        )
      : revertFailures.length === 0 && r.conditions.has("RevertFailed")
        ? off("Reverted", "every failed revert has since succeeded")
        : r.conditions.has("RevertFailed")
          ? off("Retrying", "the failed reverts are being retried")
          : undefined,
    Completed: r.outcome === "completed" ? on("AllWavesPassed", "every wave passed") : undefined,
  };
}

/**
 * Brings the release's conditions in line with its folded fields, stamping changes with the
 * record's time. Called by the fold after every record of the release.
 */
export function syncConditions(r: ReleaseState, at: number): void {
  for (const [type, w] of Object.entries(wanted(r)) as [ConditionType, Wanted | undefined][]) {
    if (!w) continue;
    const had = r.conditions.get(type);
    if (had && had.status === w.status && had.reason === w.reason && had.message === w.message)
      continue;
    r.conditions.set(type, {
      type,
      ...w,
      lastTransitionAt: had && had.status === w.status ? had.lastTransitionAt : at,
      lastUpdateAt: at,
    });
  }
}
