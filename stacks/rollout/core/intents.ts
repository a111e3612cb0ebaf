/**
 * What operators ask of a release, as data: the intents the CLI's commands submit to the
 * executor (executor/writer.ts `submit`), which records the event each one means on the
 * ledger as it is when appended. Pure and idempotent: an intent that already holds (a pause
 * of a paused release, a second approval) means no event.
 */
import type { EventOf, RolloutEvent } from "./events.js";
import type { RolloutState } from "./state.js";

export type Intent =
  /** Record a release's plan (`deploy` of a release id the ledger does not have). */
  | { kind: "plan"; planned: EventOf<"planned"> }
  | { kind: "pause"; release: string; by: string }
  /** Clear a pause, a block (the precheck runs again) and retry failed reverts. */
  | { kind: "resume"; release: string; by: string }
  /** `reason`: why, as the human said (recorded on `abort-requested`). */
  | { kind: "abort"; release: string; by: string; reason?: string }
  /** `wave` is 0-based. */
  | { kind: "approve"; release: string; wave: number; by: string; reason: string }
  | { kind: "reject"; release: string; wave: number; by: string; reason: string }
  /** Revert one cohort of a release in flight: the release aborts, this cohort included. */
  | { kind: "revert-cohort"; release: string; cohort: string };

/**
 * The event an intent means on this state; undefined when it already holds, or names a
 * release or cohort the ledger does not have (the command checks those before submitting).
 */
export function intentEvent(s: RolloutState, intent: Intent): RolloutEvent | undefined {
  if (intent.kind === "plan")
    return s.releases.has(intent.planned.release) ? undefined : intent.planned;
  const r = s.releases.get(intent.release);
  if (!r) return undefined;
  switch (intent.kind) {
    case "pause":
      return r.paused ? undefined : { type: "paused", release: r.id, by: intent.by };
    case "resume":
      return r.paused || r.blocked || r.stuck
        ? { type: "resumed", release: r.id, by: intent.by }
        : undefined;
    case "abort":
      return r.abortRequested
        ? undefined
        : {
            type: "abort-requested",
            release: r.id,
            by: intent.by,
            ...(intent.reason !== undefined ? { reason: intent.reason } : {}),
          };
    case "approve":
    case "reject": {
      const done = intent.kind === "approve" ? r.approvals.has(intent.wave) : !!r.rejection;
      if (done) return undefined;
      return {
        type: intent.kind === "approve" ? "approved" : "rejected",
        release: r.id,
        wave: intent.wave,
        planSeq: r.plannedSeq,
        by: intent.by,
        reason: intent.reason,
      };
    }
    case "revert-cohort": {
      const t = r.targets.get(intent.cohort);
      if (!t || t.phase === "reverting") return undefined;
      return {
        type: "reverting",
        release: r.id,
        cohort: intent.cohort,
        stack: t.target.stack,
        to: t.previous,
        manual: true,
      };
    }
  }
}
