/**
 * Which observations are worth recording, and when the next one is due: decisions the
 * runner used to make with state of its own (the time of its last poll). Pure: the runner
 * reads alarms and deployments through its ports and hands the results here; the events that
 * come back are what it appends. Polls that changed nothing are not recorded (a bake of an
 * hour would otherwise write hundreds of identical records), so the poll cadence is derived
 * from the ledger: unrecorded polls fall on the grid of poll intervals that starts at the
 * release's last recorded bake read.
 */
import { type DeploymentFacts, watchedDuringBake } from "./deployment.js";
import type { EventOf, PlannedTarget, RecordedReading } from "./events.js";
import type { DeploymentStatus } from "./ports.js";
import type { ReleaseState, TargetState } from "./state.js";

/** One read of a wave's alarms: what the gate returned, or why it could not. */
export interface AlarmRead {
  readings: RecordedReading[];
  /** Set when reading the alarms failed after every retry (fails closed). */
  error?: string;
  /** When the read that produced `readings` started (epoch ms). */
  takenAt: number;
}

function sameReadings(a: RecordedReading[] | undefined, b: RecordedReading[]): boolean {
  if (!a || a.length !== b.length) return false;
  return a.every(
    (x, i) => x.name === b[i]?.name && x.exists === b[i]?.exists && x.state === b[i]?.state,
  );
}

/** The release's last recorded bake read (any wave): where the poll grid starts. */
function lastRecordedRead(r: ReleaseState): number | undefined {
  let at: number | undefined;
  for (const t of r.targets.values()) {
    const seen = t.lastObservation?.at;
    if (seen !== undefined && (at === undefined || seen > at)) at = seen;
  }
  return at;
}

/**
 * When the wave's next alarm read is due: at once for a final read; else on the poll grid,
 * and never past the first bake end (so the final reading is taken on time). The first read
 * of a wave comes one interval after the release's last read (the previous wave's final one),
 * or at once if that is past; later reads fall on the grid from the last recorded read, since
 * the reads in between changed nothing. Never more than one interval from `now`: times
 * recorded by a machine whose clock ran ahead of ours must not leave the bake unwatched.
 */
export function nextPollAt(
  r: ReleaseState,
  baking: TargetState[],
  bakeEndsAt: Record<string, number>,
  final: boolean,
  now: number,
): number {
  if (final) return now;
  const interval = r.policy.pollIntervalMs;
  const anchor = lastRecordedRead(r);
  let next: number;
  if (anchor === undefined) next = now;
  else if (baking.every((t) => t.lastObservation === undefined)) next = anchor + interval;
  else next = anchor + interval * (Math.floor(Math.max(0, now - anchor) / interval) + 1);
  const firstEnd = Math.min(...Object.values(bakeEndsAt));
  return Math.max(now, Math.min(next, firstEnd, now + interval));
}

/**
 * The bake observations worth recording from one read of the wave's alarms: a cohort's read
 * is recorded when it is final (the read started at or after the cohort's bake end), when it
 * changed since the cohort's last recorded one, or when reading failed (or had failed).
 */
export function bakeObservationsToRecord(
  r: ReleaseState,
  targets: PlannedTarget[],
  bakeEndsAt: Record<string, number>,
  read: AlarmRead,
  now: number,
): EventOf<"observed">[] {
  const events: EventOf<"observed">[] = [];
  for (const t of targets) {
    const ts = r.targets.get(t.cohort);
    const readings = read.readings.filter((x) => t.alarmNames.includes(x.name));
    const end = bakeEndsAt[t.cohort] ?? now;
    // Final only when the read itself started at or after the end of the bake.
    const final = read.takenAt >= end;
    const changed =
      read.error !== undefined ||
      !sameReadings(ts?.lastObservation?.readings, readings) ||
      ts?.lastObservation?.error !== undefined;
    if (!final && !changed) continue;
    events.push({
      type: "observed",
      release: r.id,
      cohort: t.cohort,
      phase: "bake",
      final,
      readings,
      ...(read.error !== undefined ? { error: read.error } : {}),
      takenAt: read.takenAt,
    });
  }
  return events;
}

/** A precheck read is always recorded: the machine decides on it before deploying. */
export function precheckObservation(
  r: ReleaseState,
  t: PlannedTarget,
  read: AlarmRead,
): EventOf<"observed"> {
  return {
    type: "observed",
    release: r.id,
    cohort: t.cohort,
    phase: "precheck",
    final: false,
    ...read,
  };
}

/** A deployment check's answer: the platform's status, or why it could not be had. */
export type DeploymentCheck = { ok: true; status: DeploymentStatus } | { ok: false; error: string };

/**
 * Whether a check of a deployment that does not serve yet is worth recording: a change of
 * state or progress is; the same progress again is not, except at the deadline (the timeout
 * is decided on a check made then). A check that failed is recorded only at the deadline, as
 * progress that could not be seen, so the timeout fails the release (fails closed) rather than
 * waiting forever. Structural, so a train's release and cohort (train/state.ts) fit too.
 */
export function servingCheckToRecord(
  r: { id: string; targets: ReadonlyMap<string, DeploymentFacts> },
  t: { cohort: string },
  check: DeploymentCheck,
  observedAt: number,
  until: number,
): EventOf<"deployment-observed"> | undefined {
  let status: DeploymentStatus;
  if (check.ok) status = check.status;
  else if (observedAt < until) return undefined;
  else
    status = {
      state: "in-progress",
      reason: `the deployment could not be checked: ${check.error}`,
    };
  const current = r.targets.get(t.cohort);
  if (
    status.state === "in-progress" &&
    current?.deploymentProgress === status.reason &&
    observedAt < until
  )
    return undefined;
  return {
    type: "deployment-observed",
    release: r.id,
    cohort: t.cohort,
    state: status.state,
    reason: status.reason,
    observedAt,
  };
}

/**
 * During a bake only a failure or a platform's own rollback of a serving deployment is worth
 * recording: the machine then fails the release and reverts through the stack.
 */
export function bakeDeploymentToRecord(
  r: { id: string },
  cohort: string,
  status: DeploymentStatus,
  observedAt: number,
): EventOf<"deployment-observed"> | undefined {
  if (status.state !== "failed" && status.state !== "rolled-back") return undefined;
  return {
    type: "deployment-observed",
    release: r.id,
    cohort,
    state: status.state,
    reason: status.reason,
    observedAt,
  };
}

/**
 * The cohorts whose serving deployment a poll of the bake checks: the baking ones, then every
 * one whose bake passed (in plan order), which the release must not complete on if the platform
 * rolled it back meanwhile.
 * @param r the release
 * @param baking the cohorts of the wave that bakes
 */
export function deploymentsToWatchDuringBake(
  r: ReleaseState,
  baking: readonly TargetState[],
): PlannedTarget[] {
  const passed = [...r.targets.values()].filter((t) => t.phase === "passed");
  return [...baking, ...passed].filter(watchedDuringBake).map((t) => t.target);
}
