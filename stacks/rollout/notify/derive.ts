/**
 * Which ledger records are worth telling people about, as a pure function of
 * the records: fold them, and map each record (with the state it leaves) to
 * zero or more notifications. No clock, no I/O: the same ledger always yields
 * the same notifications with the same ids, so a restart re-derives exactly
 * what a crashed run would have sent, and receivers de-duplicate on `id`.
 */
import type { RolloutEvent } from "../core/events.js";
import { revertOrder } from "../core/machine.js";
import {
  type FoldRecord,
  type ReleaseState,
  type RolloutState,
  apply,
  emptyState,
} from "../core/state.js";
import { NOTIFICATION_SCHEMA_ID, type Notification } from "./notification.js";

type Draft = Omit<
  Notification,
  "schema" | "id" | "environment" | "release" | "version" | "seq" | "at"
>;

/** Facts about a release that the fold overwrites, read before a record is applied. */
interface Before {
  revertStarted: boolean;
  terminal: boolean;
}

function before(s: RolloutState, e: RolloutEvent): Before {
  const r = s.releases.get(e.release);
  return {
    revertStarted:
      !!r &&
      [...r.targets.values()].some((t) =>
        ["reverting", "reverted", "revert-failed"].includes(t.phase),
      ),
    terminal: r?.outcome !== undefined,
  };
}

function resumeHint(r: ReleaseState): string {
  return `cohort-rollout resume --environment ${r.environment} --release ${r.id}`;
}

function drafts(r: ReleaseState, e: RolloutEvent, b: Before): Draft[] {
  switch (e.type) {
    case "planned": {
      const order = r.waves.map((w) => w.targets.map((t) => t.cohort).join("+")).join(" → ");
      return [
        {
          kind: "planned",
          severity: "info",
          summary: `release ${r.id} (${r.spec.version}) planned on ${r.environment}: ${order}`,
          cohorts: r.waves.flatMap((w) => w.targets.map((t) => t.cohort)),
        },
      ];
    }
    case "passed": {
      const wave = r.targets.get(e.cohort)?.wave;
      const w = wave === undefined ? undefined : r.waves[wave];
      if (!w || wave === undefined) return [];
      const done = w.targets.every((pt) => r.targets.get(pt.cohort)?.phase === "passed");
      if (!done) return [];
      const cohorts = w.targets.map((t) => t.cohort);
      return [
        {
          kind: "wave-passed",
          severity: "info",
          summary: `release ${r.id}: wave ${wave + 1}/${r.waves.length} (${cohorts.join(", ")}) passed its bake`,
          wave,
          cohorts,
        },
      ];
    }
    case "failed": {
      if (e.cause === "cancelled") return [];
      const wave = r.targets.get(e.cohort)?.wave;
      return [
        {
          kind: e.cause === "gate" ? "gate-failed" : "deploy-failed",
          severity: "warning",
          summary: `release ${r.id} failed at ${e.cohort} (${e.cause}): ${e.reason}`,
          cohort: e.cohort,
          ...(wave !== undefined ? { wave } : {}),
          reason: e.reason,
          cause: e.cause,
        },
      ];
    }
    case "reverting": {
      if (b.terminal) {
        return [
          {
            kind: "reverting",
            severity: "warning",
            summary: `cohort ${e.cohort} is being reverted by hand from release ${r.id}`,
            cohort: e.cohort,
            cohorts: [e.cohort],
          },
        ];
      }
      if (b.revertStarted) return [];
      const why = r.failure
        ? `${r.failure.cohort}: ${r.failure.reason}`
        : r.abortRequestedBy !== undefined
          ? `abort requested by ${r.abortRequestedBy}`
          : `${e.cohort} reverted by hand`;
      const cohorts = revertOrder(r).map((t) => t.target.cohort);
      return [
        {
          kind: "reverting",
          severity: "warning",
          summary: `release ${r.id}: reverting ${cohorts.join(", ")} (most critical first) — ${why}`,
          cohorts,
          reason: why,
        },
      ];
    }
    case "reverted":
      // In flight, the release's end (release-failed/aborted) says it once for every cohort.
      if (!b.terminal) return [];
      return [
        {
          kind: "reverted",
          severity: "info",
          summary: `cohort ${e.cohort} is back on its update before release ${r.id}`,
          cohort: e.cohort,
          cohorts: [e.cohort],
        },
      ];
    case "release-failed":
    case "aborted": {
      const cohorts = revertOrder(r)
        .filter((t) => t.phase === "reverted")
        .map((t) => t.target.cohort);
      const outcome = e.type === "aborted" ? "aborted" : "failed";
      const reason = e.type === "release-failed" ? e.reason : undefined;
      return [
        {
          kind: "reverted",
          severity: "warning",
          summary: `release ${r.id} ${outcome}; ${cohorts.length > 0 ? `${cohorts.join(", ")} back on their last good update` : "no cohort had received it"}${reason !== undefined ? ` — ${reason}` : ""}`,
          cohorts,
          outcome,
          ...(reason !== undefined ? { reason } : {}),
        },
      ];
    }
    case "revert-failed":
      return [
        {
          kind: "revert-failed",
          severity: "critical",
          summary: `revert of ${e.cohort} from release ${r.id} FAILED; it may be on the release — recover with: ${e.recoverCommand}`,
          cohort: e.cohort,
          reason: e.reason,
          nextStep: e.recoverCommand,
        },
      ];
    case "blocked":
      return [
        {
          kind: "needs-human",
          severity: "critical",
          summary: `release ${r.id} is held at ${e.cohort}: ${e.reason}`,
          cohort: e.cohort,
          reason: e.reason,
          nextStep: resumeHint(r),
        },
      ];
    case "approval-requested": {
      const who =
        e.approvers.length > 0 ? e.approvers.join(", ") : "anyone who can write the ledger";
      return [
        {
          kind: "awaiting-approval",
          severity: "critical",
          summary: `release ${r.id} waits for approval before wave ${e.wave + 1} (${e.cohorts.join(", ")}); may approve: ${who}`,
          wave: e.wave,
          cohorts: e.cohorts,
          approvers: e.approvers,
          nextStep: `cohort-rollout approve --environment ${r.environment} --release ${r.id} --wave ${e.wave + 1} --reason "…"`,
        },
      ];
    }
    case "completed":
      return [
        {
          kind: "completed",
          severity: "info",
          summary: `release ${r.id} (${r.spec.version}) completed on ${r.environment}: every wave passed`,
        },
      ];
    default:
      return [];
  }
}

/** The notifications one record causes, given the state before it; `s` is advanced past it. */
export function notificationsFor(s: RolloutState, rec: FoldRecord): Notification[] {
  const b = before(s, rec.event);
  apply(s, rec);
  const r = s.releases.get(rec.event.release);
  if (!r) return [];
  return drafts(r, rec.event, b).map((d) => ({
    schema: NOTIFICATION_SCHEMA_ID,
    id: `${r.environment}/${r.id}/${rec.seq}/${d.kind}`,
    environment: r.environment,
    release: r.id,
    version: r.spec.version,
    seq: rec.seq,
    at: new Date(rec.at).toISOString(),
    ...d,
  }));
}

/** Every notification of the records after `afterSeq` (the whole ledger is folded for context). */
export function deriveNotifications(records: Iterable<FoldRecord>, afterSeq = 0): Notification[] {
  const s = emptyState();
  const out: Notification[] = [];
  for (const rec of records) {
    const ns = notificationsFor(s, rec);
    if (rec.seq > afterSeq) out.push(...ns);
  }
  return out;
}
