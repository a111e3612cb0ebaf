/**
 * Approvals: a person lets a release into a wave (Argo Rollouts' promote,
 * Spinnaker's manual judgment, Kargo's manual promotion). Pure, like the
 * machine: which waves need one (from the recorded plan), how approval events
 * fold into a release's state, and what the machine does at such a wave.
 *
 * An approval only ever holds a release back. The machine consults it after
 * failures, aborts and failed reverts (which revert at once, waiting or not),
 * and only before a wave that has not started.
 */
import type { EventOf } from "./events.js";
import type { Command } from "./machine.js";
import type { ReleaseState } from "./state.js";

/** A wave that needs approval: its cohorts that asked for one, and who may give it. */
export interface ApprovalGate {
  wave: number;
  cohorts: string[];
  /** Empty: anyone who can write the ledger. */
  approvers: string[];
}

export interface RecordedApproval {
  wave: number;
  by: string;
  reason: string;
  at: number;
}

/** What the fold keeps about approvals (fields of ReleaseState). */
export interface ApprovalState {
  /** The ledger record of this release's plan: approvals name it. */
  plannedSeq: number;
  /** Cohorts the release itself asked to wait before (`deploy --approve-before`). */
  approveBefore: string[];
  /** Approvals of this plan, by wave. */
  approvals: Map<number, RecordedApproval>;
  /** The release waits at this wave, since `since` (the `approval-requested` record). */
  awaitingApproval?: ApprovalGate & { since: number };
  rejection?: RecordedApproval;
}

/** The approval a wave needs, or undefined: from the environment (per cohort) and the release. */
export function approvalGate(r: ReleaseState, wave: number): ApprovalGate | undefined {
  const w = r.waves[wave];
  if (!w) return undefined;
  const gated = w.targets.filter(
    (t) => t.approval !== undefined || r.approveBefore.includes(t.cohort),
  );
  if (gated.length === 0) return undefined;
  // Someone named by the environment must approve; a cohort gated only by the release (or by
  // the environment without names) leaves it to whoever can write the ledger.
  const named = gated.map((t) => t.approval?.approvers ?? []);
  const anyone = named.some((a) => a.length === 0);
  return {
    wave,
    cohorts: gated.map((t) => t.cohort),
    approvers: anyone ? [] : [...new Set(named.flat())].sort(),
  };
}

/** Every wave of the release that needs approval. */
export function approvalGates(r: ReleaseState): ApprovalGate[] {
  return r.waves.map((w) => approvalGate(r, w.index)).filter((g) => g !== undefined);
}

/**
 * At a wave none of whose cohorts has started: hold the release if it needs an approval it does
 * not have. First the condition is recorded (with who may approve), then the run stops there.
 */
export function approvalHold(r: ReleaseState, wave: number): Command | undefined {
  const gate = approvalGate(r, wave);
  if (!gate || r.approvals.has(wave)) return undefined;
  if (r.awaitingApproval?.wave !== wave) {
    return {
      kind: "record",
      event: {
        type: "approval-requested",
        release: r.id,
        wave,
        cohorts: gate.cohorts,
        approvers: gate.approvers,
      },
    };
  }
  const who = gate.approvers.length > 0 ? gate.approvers.join(", ") : "anyone";
  return {
    kind: "stop",
    release: r.id,
    outcome: "awaiting-approval",
    reason: `wave ${wave + 1} (${gate.cohorts.join(", ")}) waits for approval by ${who} since ${new Date(r.awaitingApproval.since).toISOString()}`,
  };
}

type ApprovalEvent = EventOf<"approval-requested" | "approved" | "rejected">;

/** Folds one approval event into the release (called by state.ts `apply`). */
export function applyApprovalEvent(r: ReleaseState, e: ApprovalEvent, at: number): void {
  if (e.type === "approval-requested") {
    if (!r.outcome && !r.approvals.has(e.wave))
      r.awaitingApproval = { wave: e.wave, cohorts: e.cohorts, approvers: e.approvers, since: at };
    return;
  }
  // An approval or rejection of another plan (recorded before this release id was planned
  // again, or copied from elsewhere) does not count: it expires with the plan it named.
  if (e.planSeq !== r.plannedSeq) return;
  const given = { wave: e.wave, by: e.by, reason: e.reason, at };
  if (e.type === "approved") {
    if (r.outcome || r.approvals.has(e.wave)) return;
    r.approvals.set(e.wave, given);
    if (r.awaitingApproval?.wave === e.wave) r.awaitingApproval = undefined;
    return;
  }
  // Rejected: the release ends like an abort, reverting every cohort it reached.
  if (r.outcome || r.rejection) return;
  r.rejection = given;
  r.awaitingApproval = undefined;
  r.abortRequested = true;
  r.abortRequestedBy ??= `${e.by} (rejected wave ${e.wave + 1}: ${e.reason})`;
}
