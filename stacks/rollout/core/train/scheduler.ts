/**
 * The train scheduler: given the train's state (state.ts) and the time, every decision the
 * controller should carry out now, and for everything else what it waits for and why. Pure
 * — no I/O, no clock — so pipelining, supersede/queue, cadence, holds and latent failures are
 * decided the same way on a replay, a compacted ledger and a fake clock.
 *
 * The rules, in the issue's words:
 * - Release N+1 enters a wave once release N has left it (N's bake passed in every cohort of
 *   the wave); a cohort holds one release at a time (until its observation window ends); the
 *   order of releases through every cohort is the submission order.
 * - `supersede`: when a cohort's slot frees, the newest release ready for its wave goes in and
 *   older ready ones skip the rest of the train (recorded in the entry). `queue`: in order.
 * - A failed release is reverted (every cohort it reached; for a latent failure, that cohort
 *   and every cohort it reached since) and every later release is held for a human.
 * - Cadence (cadence.ts) and a bound on concurrent cohort updates gate every entry.
 * - A cohort's deployment is watched from its update's return to the end of its observation
 *   window (core/deployment.ts): failed or rolled back at any point, the cohort fails.
 */
import type { DeploymentRef } from "../../../../components/contract.js";
import { deploymentFailureReason, deploymentVerdict } from "../deployment.js";
import type { RolloutEvent } from "../events.js";
import { bakeVerdict } from "../gate-policy.js";
import { cadenceAllows } from "./cadence.js";
import type { TrainCohort } from "./events.js";
import {
  type TrainRelease,
  type TrainState,
  type TrainTarget,
  liveReleases,
  revertScope,
} from "./state.js";

export type WaitKind =
  | "bake"
  | "observation"
  | "interval"
  | "window"
  | "day-limit"
  /** The cohort holds an earlier release. */
  | "slot"
  /** An earlier release goes through this cohort first. */
  | "order"
  /** An earlier release has not left this wave yet. */
  | "wave"
  /** Too many cohort updates run at once. */
  | "update-slot"
  /** Its own update is running. */
  | "update"
  /** Its update returned; its new version does not serve yet (the bake has not started). */
  | "deployment"
  | "human";

export interface TrainWait {
  release: string;
  cohort?: string;
  waitingFor: WaitKind;
  /** When deciding again may change the answer (undefined: an event must happen first). */
  until?: number;
  reason: string;
}

export type TrainAction =
  /** Append this event (a decision: an entry, a hold, a verdict, a finish). */
  | { kind: "record"; event: RolloutEvent }
  /** Record `applying`, then update the cohort's stack. `interrupted`: an earlier attempt has no outcome. */
  | { kind: "apply"; release: string; cohort: TrainCohort; attempt: number; interrupted: boolean }
  /**
   * Read the cohort's alarms and record an `observed`; during the bake and the observation
   * window alike, first check a serving deployment for a failure or the platform's own
   * rollback (`deployment-observed`).
   */
  | { kind: "observe"; release: string; cohort: TrainCohort; phase: "bake" | "observation" }
  /**
   * The cohort's update returned but its new version does not serve yet: check its deployment
   * once, record what is worth recording, and end at most a poll interval later (never past
   * `until`, its deployment timeout, where the timeout is decided). The bake has not started.
   */
  | {
      kind: "await-serving";
      release: string;
      cohort: TrainCohort;
      deployment: DeploymentRef;
      until: number;
    }
  /** Return the cohort's stack to the update before the release. */
  | {
      kind: "revert";
      release: string;
      cohort: TrainCohort;
      to: TrainTarget["previous"];
      refreshFirst: boolean;
    };

export interface TrainDecisions {
  actions: TrainAction[];
  waits: TrainWait[];
}

/** The key of a cohort action: at most one runs per release and cohort. */
export function actionKey(a: { release: string; cohort: TrainCohort }): string {
  return `${a.release}/${a.cohort.cohort}`;
}

const iso = (at: number): string => new Date(at).toISOString();

function stopping(r: TrainRelease): boolean {
  return r.failure !== undefined || r.abortRequested !== undefined;
}

const DONE_AT_COHORT = new Set(["settled", "superseded", "reverted"]);
const LEFT = new Set(["passed", "settled"]);

/** Does this target keep its cohort's slot? */
function occupies(r: TrainRelease, t: TrainTarget): boolean {
  switch (t.phase) {
    case "pending":
    case "settled":
    case "superseded":
    case "reverted":
      return false;
    case "entered":
      // Let in but never started: a stopping release will not start it.
      return !stopping(r);
    default:
      return true;
  }
}

function targetsOfWave(r: TrainRelease, wave: number): TrainTarget[] {
  return [...r.targets.values()].filter((t) => t.wave === wave);
}

/** Has the release left every wave before `wave` (its bake passed in each of their cohorts)? */
function leftWavesBefore(r: TrainRelease, wave: number): boolean {
  return [...r.targets.values()].every((t) => t.wave >= wave || LEFT.has(t.phase));
}

/** May the release be superseded at `wave`: ready for it and not yet in any of its cohorts? */
function supersedable(r: TrainRelease, wave: number): boolean {
  return (
    !stopping(r) &&
    !r.held &&
    !r.supersededBy &&
    leftWavesBefore(r, wave) &&
    targetsOfWave(r, wave).every((t) => t.phase === "pending")
  );
}

/** The decisions about a target already let in: update, bake, observation window. */
function progress(r: TrainRelease, t: TrainTarget, now: number, out: TrainDecisions): void {
  const c = t.cohort;
  const poll = r.policy.pollIntervalMs;
  switch (t.phase) {
    case "entered":
      out.actions.push({ kind: "apply", release: r.id, cohort: c, attempt: 1, interrupted: false });
      out.waits.push({
        release: r.id,
        cohort: c.cohort,
        waitingFor: "update",
        reason: `updating ${c.stack}`,
      });
      return;
    case "applying":
      out.actions.push({
        kind: "apply",
        release: r.id,
        cohort: c,
        attempt: t.attempts + 1,
        interrupted: true,
      });
      out.waits.push({
        release: r.id,
        cohort: c.cohort,
        waitingFor: "update",
        reason: `updating ${c.stack}`,
      });
      return;
    case "applied": {
      // The bake watches the new version (core/deployment.ts, as for a single release): a
      // failed, rolled-back or timed-out deployment fails the cohort; until the new version
      // serves, the deployment is watched and the bake's clock does not run.
      const v = deploymentVerdict(t, c.stack, c.deploymentTimeoutMs, now);
      if (v?.kind === "fail") {
        failDeployment(r, c, v.reason, out);
        return;
      }
      if (v?.kind === "await") {
        out.actions.push({
          kind: "await-serving",
          release: r.id,
          cohort: c,
          deployment: v.deployment,
          until: v.until,
        });
        out.waits.push({
          release: r.id,
          cohort: c.cohort,
          waitingFor: "deployment",
          until: v.until,
          reason: `deploying: the new version of ${c.stack} does not serve yet (${t.deploymentProgress ?? "not checked yet"}); its bake starts when it serves, the deployment fails at ${iso(v.until)}`,
        });
        return;
      }
      watch(r, t, t.servingAt ?? t.appliedAt ?? now, c.bakeMs, "bake", now, poll, out);
      return;
    }
    case "passed": {
      // The window watches the deployment as the bake does: a platform that rolled the
      // release back by itself (or a deployment that failed) leaves the cohort on the version
      // before, so it fails here rather than settle on a version the train does not know.
      const failure = deploymentFailureReason(t, c.stack);
      if (failure !== undefined) {
        const into = Math.max(0, (t.deploymentCheckedAt ?? now) - (t.passedAt ?? now));
        failDeployment(
          r,
          c,
          `${failure} (${String(Math.round(into / 1000))}s into the ${String(Math.round(c.observationMs / 1000))}s observation window after the bake)`,
          out,
        );
        return;
      }
      if (c.observationMs === 0) {
        out.actions.push({
          kind: "record",
          event: { type: "train-settled", release: r.id, cohort: c.cohort },
        });
        return;
      }
      watch(r, t, t.passedAt ?? now, c.observationMs, "observation", now, poll, out);
      return;
    }
    default:
      return;
  }
}

/** The cohort's deployment failed or was rolled back by the platform: the release fails there. */
function failDeployment(
  r: TrainRelease,
  c: TrainCohort,
  reason: string,
  out: TrainDecisions,
): void {
  out.actions.push({
    kind: "record",
    event: { type: "failed", release: r.id, cohort: c.cohort, cause: "deployment", reason },
  });
}

/** Bake or observation window: read the gate every poll from `start` until `start + ms`. */
function watch(
  r: TrainRelease,
  t: TrainTarget,
  start: number,
  ms: number,
  phase: "bake" | "observation",
  now: number,
  poll: number,
  out: TrainDecisions,
): void {
  const c = t.cohort;
  const end = start + ms;
  const obs = t.lastObservation && t.lastObservation.at >= start ? t.lastObservation : undefined;
  if (obs) {
    const ended = obs.at >= end;
    const v = bakeVerdict(
      { readings: obs.readings, declared: c.alarmNames, error: obs.error },
      r.policy.insufficientData,
      ended,
    );
    if (v.kind === "fail") {
      const reason =
        phase === "observation"
          ? `latent activation: ${v.reason} (${String(Math.round((obs.at - start) / 1000))}s into the ${String(Math.round(ms / 1000))}s observation window after the bake)`
          : v.reason;
      out.actions.push({
        kind: "record",
        event: { type: "failed", release: r.id, cohort: c.cohort, cause: "gate", reason },
      });
      return;
    }
    if (ended && v.kind === "pass") {
      out.actions.push({
        kind: "record",
        event:
          phase === "bake"
            ? { type: "passed", release: r.id, cohort: c.cohort }
            : { type: "train-settled", release: r.id, cohort: c.cohort },
      });
      return;
    }
  }
  const due = !obs || now >= obs.at + poll || (now >= end && obs.at < end);
  if (due) {
    out.actions.push({ kind: "observe", release: r.id, cohort: c, phase });
    return;
  }
  const until = Math.min(end, obs.at + poll);
  out.waits.push({
    release: r.id,
    cohort: c.cohort,
    waitingFor: phase,
    until,
    reason: `${phase === "bake" ? "bake" : "observation window (latent activation guard)"} of ${c.cohort} ends ${iso(end)}`,
  });
}

/**
 * Why a stopping release holds the releases behind it, or undefined when it holds none.
 * Later releases contain earlier ones (the train's default), so a failure holds them, and so
 * does an abort of a release that was rolling: a human stopping it in flight most often means
 * its change is bad, and what contains the change must not roll on until a human says so.
 * An abort of a held release says nothing new about the releases behind it: they are already
 * held for the same cause, or came after it and never waited on it.
 */
function holdReason(r: TrainRelease): string | undefined {
  if (r.failure) return `${r.id} failed at ${r.failure.cohort} (${r.failure.reason})`;
  if (r.abort && !r.abort.whileHeld)
    return `${r.id} was aborted by ${r.abort.by}${r.abort.reason !== undefined ? ` (${r.abort.reason})` : ""}`;
  return undefined;
}

function decideStopping(
  r: TrainRelease,
  later: TrainRelease[],
  now: number,
  out: TrainDecisions,
): void {
  const why = holdReason(r);
  if (why !== undefined) {
    for (const l of later) {
      if (l.held || l.unheldFrom.includes(r.id)) continue;
      out.actions.push({
        kind: "record",
        event: {
          type: "train-held",
          release: l.id,
          cause: r.id,
          reason: `${why}; ${l.id} contains it and holds until a human decides`,
        },
      });
    }
  }
  // A cohort a later release has entered since (it left the cohort before failing) is that
  // release's now: it is held, and a human decides about it there; reverting under it would
  // leave its record claiming a stack it no longer has.
  const taken = new Map<string, string>();
  for (const l of later)
    for (const lt of l.targets.values())
      if (!["pending", "superseded", "reverted"].includes(lt.phase))
        taken.set(lt.cohort.cohort, l.id);
  const scope = revertScope(r).filter((t) => !taken.has(t.cohort.cohort));
  for (const [c, l] of taken)
    if (r.targets.get(c)?.received && r.targets.get(c)?.phase !== "reverted")
      out.waits.push({
        release: r.id,
        cohort: c,
        waitingFor: "human",
        reason: `${c} was not reverted: ${l} (held, it contains ${r.id}) has entered it since; decide about ${l} there`,
      });
  const inScope = new Set(scope);
  const order = [...scope].sort(
    (a, b) => b.wave - a.wave || b.cohort.cohort.localeCompare(a.cohort.cohort),
  );
  let stuck = false;
  for (const t of order) {
    const c = t.cohort;
    if (t.phase === "reverted") continue;
    if (t.phase === "revert-failed") {
      stuck = true;
      out.waits.push({
        release: r.id,
        cohort: c.cohort,
        waitingFor: "human",
        reason: `the revert of ${c.stack} failed (${t.revertFailure ?? "unknown"}); fix the stack, then retry the revert: resume --release ${r.id} --reason "…" (status --train shows the exact command)`,
      });
      continue;
    }
    if (t.phase !== "reverting") {
      out.actions.push({
        kind: "record",
        event: {
          type: "reverting",
          release: r.id,
          cohort: c.cohort,
          stack: c.stack,
          to: t.previous,
          manual: false,
        },
      });
      continue;
    }
    out.actions.push({
      kind: "revert",
      release: r.id,
      cohort: c,
      to: t.previous,
      refreshFirst: t.applyOpen || t.retryRevert !== undefined,
    });
  }
  // Cohorts outside a latent failure's scope keep their observation windows.
  let watching = false;
  for (const t of r.targets.values()) {
    if (inScope.has(t) || !(t.phase === "passed" || t.phase === "applied")) continue;
    watching = true;
    progress(r, t, now, out);
  }
  if (stuck || watching || order.some((t) => t.phase !== "reverted")) return;
  const failed = r.failure !== undefined;
  out.actions.push({
    kind: "record",
    event: {
      type: "train-finished",
      release: r.id,
      outcome: failed ? "failed" : "aborted",
      reason: failed
        ? `${r.failure?.cohort ?? "?"}: ${r.failure?.reason ?? "?"}; reverted ${scope.map((t) => t.cohort.cohort).join(", ") || "nothing"}`
        : `aborted by ${r.abortRequested ?? "?"}${r.abort?.reason !== undefined ? ` (${r.abort.reason})` : ""}; reverted ${scope.map((t) => t.cohort.cohort).join(", ") || "nothing"}`,
    },
  });
}

interface Occupancy {
  occupant: Map<string, { release: string; target: TrainTarget }>;
  updating: number;
}

function blockedEntry(
  s: TrainState,
  live: TrainRelease[],
  idx: number,
  t: TrainTarget,
  occ: Occupancy,
  now: number,
): TrainWait | "yield" | undefined {
  const r = live[idx];
  const c = t.cohort.cohort;
  const k = t.wave;
  const supersede = r.policy.order === "supersede";
  const wait = (waitingFor: WaitKind, reason: string, until?: number): TrainWait => ({
    release: r.id,
    cohort: c,
    waitingFor,
    reason,
    ...(until !== undefined ? { until } : {}),
  });
  const held = occ.occupant.get(c);
  if (held && held.release !== r.id) {
    const h = held.target;
    const until =
      h.phase === "passed" && h.passedAt !== undefined
        ? h.passedAt + h.cohort.observationMs
        : undefined;
    return wait("slot", `${c} holds ${held.release} (${h.phase})`, until);
  }
  for (const e of live.slice(0, idx)) {
    const et = e.targets.get(c);
    if (!et || DONE_AT_COHORT.has(et.phase) || stopping(e)) continue;
    if (et.phase === "pending") {
      if (supersede && supersedable(e, k)) continue;
      return wait(
        "order",
        `${e.id} goes through ${c} first (${e.held ? "it is held" : "train order"})`,
      );
    }
  }
  for (const e of live.slice(0, idx)) {
    if (stopping(e)) continue;
    const wave = targetsOfWave(e, k);
    const entered = wave.some((x) => x.phase !== "pending" && x.phase !== "superseded");
    if (entered && !wave.every((x) => LEFT.has(x.phase) || x.phase === "superseded"))
      return wait("wave", `${e.id} has not left wave ${String(k + 1)} yet`);
  }
  if (supersede && supersedable(r, k)) {
    const newer = live
      .slice(idx + 1)
      .some((l) => l.targets.get(c)?.phase === "pending" && supersedable(l, k));
    if (newer) return "yield";
  }
  if (occ.updating >= r.policy.maxConcurrentUpdates)
    return wait(
      "update-slot",
      `${String(occ.updating)} cohort updates already run (at most ${String(r.policy.maxConcurrentUpdates)})`,
    );
  const cad = cadenceAllows(t.cohort.cadence, s.cohorts.get(c) ?? { recentEntries: [] }, now);
  if (!cad.ok) return wait(cad.waitingFor, `${c}: ${cad.reason}`, cad.until);
  return undefined;
}

function decideEntries(
  s: TrainState,
  live: TrainRelease[],
  idx: number,
  occ: Occupancy,
  now: number,
  out: TrainDecisions,
): void {
  const r = live[idx];
  if (r.supersededBy) return;
  const waves = [...new Set([...r.targets.values()].map((t) => t.wave))].sort((a, b) => a - b);
  for (const k of waves) {
    const wave = targetsOfWave(r, k);
    if (wave.every((t) => LEFT.has(t.phase))) continue;
    for (const t of wave) {
      if (t.phase !== "pending") continue;
      const blocked = blockedEntry(s, live, idx, t, occ, now);
      if (blocked === "yield") {
        out.waits.push({
          release: r.id,
          cohort: t.cohort.cohort,
          waitingFor: "slot",
          reason: `a newer release is ready for ${t.cohort.cohort} and supersedes ${r.id} there`,
        });
        continue;
      }
      if (blocked) {
        out.waits.push(blocked);
        continue;
      }
      const supersedes =
        r.policy.order === "supersede" && supersedable(r, k)
          ? live
              .slice(0, idx)
              .filter(
                (e) => e.targets.get(t.cohort.cohort)?.phase === "pending" && supersedable(e, k),
              )
              .map((e) => e.id)
          : [];
      out.actions.push({
        kind: "record",
        event: {
          type: "train-entered",
          release: r.id,
          cohort: t.cohort.cohort,
          wave: k,
          supersedes,
          reason: `wave ${String(k + 1)}: ${t.cohort.cohort} is free, the releases ahead have left it, cadence allows${supersedes.length > 0 ? `; supersedes ${supersedes.join(", ")} (policy supersede)` : ""}`,
        },
      });
      occ.occupant.set(t.cohort.cohort, { release: r.id, target: t });
      occ.updating += 1;
    }
    return;
  }
}

/** Everything to do now, and what every live release waits for. */
export function decideTrain(s: TrainState, now: number): TrainDecisions {
  const out: TrainDecisions = { actions: [], waits: [] };
  const live = liveReleases(s);
  const occ: Occupancy = { occupant: new Map(), updating: 0 };
  for (const r of live)
    for (const t of r.targets.values()) {
      if (!occupies(r, t)) continue;
      occ.occupant.set(t.cohort.cohort, { release: r.id, target: t });
      if (t.phase === "entered" || t.phase === "applying") occ.updating += 1;
    }
  live.forEach((r, idx) => {
    if (stopping(r)) {
      decideStopping(r, live.slice(idx + 1), now, out);
      return;
    }
    for (const t of r.targets.values()) progress(r, t, now, out);
    const targets = [...r.targets.values()];
    if (targets.every((t) => t.phase === "settled" || t.phase === "superseded")) {
      const by = r.supersededBy;
      out.actions.push({
        kind: "record",
        event: {
          type: "train-finished",
          release: r.id,
          outcome: by ? "superseded" : "completed",
          reason: by
            ? `superseded by ${by.release} from ${by.cohort} (wave ${String(by.wave + 1)}) on`
            : "every cohort passed its bake and observation window",
        },
      });
      return;
    }
    if (r.held) {
      out.waits.push({ release: r.id, waitingFor: "human", reason: `held: ${r.held.reason}` });
      return;
    }
    decideEntries(s, live, idx, occ, now, out);
  });
  return out;
}

/** When deciding again may change something, if nothing is appended meanwhile. */
export function nextWake(d: TrainDecisions): number | undefined {
  const times = d.waits.map((w) => w.until).filter((u): u is number => u !== undefined);
  return times.length > 0 ? Math.min(...times) : undefined;
}
