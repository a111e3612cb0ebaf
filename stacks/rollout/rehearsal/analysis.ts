/**
 * What a strategy's run did, measured on the simulated fleet: per cohort,
 * which release it ran when, its health alarm's states, and the requests the
 * bad release served (exposure), plus time to detect and time to revert.
 */
import type { AlarmStateValue } from "../core/ports.js";
import { compositeAlarmName, cohortAlarmNames } from "./environment.js";
import { CANDIDATE } from "./sim/world.js";
import { SLICE_MS } from "./sim/traffic.js";
import type { Decision, StrategyRun } from "./strategies/types.js";

export interface Segment {
  /** Seconds from the rollout's start. */
  from: number;
  to: number;
}

export interface ReleaseSegment extends Segment {
  release: string;
  bad: boolean;
}

export interface AlarmSegment extends Segment {
  state: AlarmStateValue;
}

export interface CohortExposure {
  cohort: string;
  /** Requests served by the bad release (whether or not its fault showed yet). */
  badRequests: number;
  /** Of those, requests served while the fault showed (the ones users felt). */
  faultyRequests: number;
  cohortRequests: number;
  /** Bad requests as a share of this cohort's requests over the window. */
  shareOfCohort: number;
  /** Bad requests as a share of every cohort's requests over the window. */
  shareOfAll: number;
}

export interface CohortTimeline {
  cohort: string;
  releases: ReleaseSegment[];
  /** Spans where the fault showed (the release ran and was failing). */
  failing: Segment[];
  /** The cohort's health: its composite alarm, or the worst of its alarms. */
  health: AlarmSegment[];
  decisions: (Decision & { t: number })[];
}

export interface StrategyAnalysis {
  strategy: StrategyRun["strategy"];
  outcome: string;
  reason: string;
  /** Seconds from the rollout's start; absent when it never happened. */
  onset?: number;
  detected?: number;
  /** When the last cohort stopped serving the bad release. */
  allReverted?: number;
  timeToDetectSeconds?: number;
  timeToRevertSeconds?: number;
  /** Cohorts that ever ran the candidate release. */
  reached: string[];
  /** Cohorts on the candidate at the end of the window. */
  endedOnCandidate: string[];
  exposure: {
    badRequests: number;
    faultyRequests: number;
    totalRequests: number;
    shareOfAll: number;
    perCohort: CohortExposure[];
  };
  timelines: CohortTimeline[];
}

const WORST: Record<AlarmStateValue, number> = { OK: 0, INSUFFICIENT_DATA: 1, ALARM: 2 };

function healthSegments(
  run: StrategyRun,
  cohort: string,
  start: number,
  end: number,
): AlarmSegment[] {
  const { cloudwatch, env } = run.world;
  const composite = compositeAlarmName(env, cohort);
  const names = composite ? [composite] : cohortAlarmNames(env, cohort);
  // Merge the alarms' state changes into one worst-of line.
  const changes = names.flatMap((n) => cloudwatch.history(n).map((h) => ({ ...h, name: n })));
  const times = [
    ...new Set([start, ...changes.map((c) => c.at).filter((t) => t > start && t < end)]),
  ].sort((a, b) => a - b);
  const stateAt = (name: string, t: number): AlarmStateValue => {
    let s: AlarmStateValue = "INSUFFICIENT_DATA";
    for (const h of cloudwatch.history(name)) if (h.at <= t) s = h.state;
    return s;
  };
  const out: AlarmSegment[] = [];
  for (let i = 0; i < times.length; i++) {
    const t = times[i];
    const state = names
      .map((n) => stateAt(n, t))
      .reduce<AlarmStateValue>((a, b) => (WORST[b] > WORST[a] ? b : a), "OK");
    const seg = { from: (t - start) / 1000, to: ((times[i + 1] ?? end) - start) / 1000, state };
    const prev = out[out.length - 1];
    if (prev && prev.state === state) prev.to = seg.to;
    else out.push(seg);
  }
  return out;
}

/**
 * @param run the strategy's run
 * @param windowEnd the end of the measured window (epoch ms)
 * @param candidate the release whose reach is reported (a train names its bad release)
 */
export function analyse(
  run: StrategyRun,
  windowEnd: number,
  candidate: string = CANDIDATE.id,
): StrategyAnalysis {
  const { fleet, env, rolloutStart } = run.world;
  run.world.cloudwatch.advanceTo(windowEnd);
  const sec = (t: number): number => (t - rolloutStart) / 1000;
  let onsetAt: number | undefined;
  let lastBadEnd: number | undefined;
  let stillBad = false;
  let total = 0;
  let bad = 0;
  let faulty = 0;
  const perCohort: CohortExposure[] = [];
  const timelines: CohortTimeline[] = [];
  const totals = new Map<string, { requests: number; bad: number; faulty: number }>();

  for (const c of env.cohorts) {
    let requests = 0;
    let badRequests = 0;
    let faultyRequests = 0;
    const failing: Segment[] = [];
    for (let s = fleet.sliceStartOf(rolloutStart); s < windowEnd; s += SLICE_MS) {
      const slice = fleet.slice(c.name, s);
      requests += slice.requests;
      if (slice.bad) {
        badRequests += slice.requests;
        lastBadEnd = Math.max(lastBadEnd ?? 0, s + SLICE_MS);
      }
      if (slice.fault) {
        faultyRequests += slice.requests;
        onsetAt = Math.min(onsetAt ?? Number.POSITIVE_INFINITY, s);
        const last = failing[failing.length - 1];
        if (last && last.to === sec(s)) last.to = sec(s + SLICE_MS);
        else failing.push({ from: sec(s), to: sec(s + SLICE_MS) });
      }
    }
    totals.set(c.name, { requests, bad: badRequests, faulty: faultyRequests });
    total += requests;
    bad += badRequests;
    faulty += faultyRequests;
    const pins = fleet.timeline(c.name);
    const releases: ReleaseSegment[] = [];
    pins.forEach((p, i) => {
      const from = Math.max(p.at, rolloutStart);
      const to = Math.min(pins[i + 1]?.at ?? windowEnd, windowEnd);
      if (to <= from) return;
      releases.push({
        from: sec(from),
        to: sec(to),
        release: p.release,
        bad: fleet.isBad(p.release),
      });
    });
    if (fleet.isBad(fleet.releaseAt(c.name, windowEnd - 1).release)) stillBad = true;
    timelines.push({
      cohort: c.name,
      releases,
      failing,
      health: healthSegments(run, c.name, rolloutStart, windowEnd),
      decisions: run.decisions
        .filter((d) => d.cohort === c.name || d.cohort === undefined)
        .map((d) => ({ ...d, t: sec(d.at) })),
    });
  }
  for (const c of env.cohorts) {
    const t = totals.get(c.name) ?? { requests: 0, bad: 0, faulty: 0 };
    perCohort.push({
      cohort: c.name,
      badRequests: t.bad,
      faultyRequests: t.faulty,
      cohortRequests: t.requests,
      shareOfCohort: t.requests ? t.bad / t.requests : 0,
      shareOfAll: total ? t.bad / total : 0,
    });
  }
  const reached = env.cohorts
    .filter((c) => fleet.timeline(c.name).some((p) => p.release === candidate))
    .map((c) => c.name);
  const endedOnCandidate = env.cohorts
    .filter((c) => fleet.releaseAt(c.name, windowEnd - 1).release === candidate)
    .map((c) => c.name);
  const onset = onsetAt !== undefined ? sec(onsetAt) : undefined;
  const detected = run.detectedAt !== undefined ? sec(run.detectedAt) : undefined;
  const allReverted = lastBadEnd !== undefined && !stillBad ? sec(lastBadEnd) : undefined;
  return {
    strategy: run.strategy,
    outcome: run.outcome,
    reason: run.reason,
    ...(onset !== undefined ? { onset } : {}),
    ...(detected !== undefined ? { detected } : {}),
    ...(allReverted !== undefined ? { allReverted } : {}),
    ...(onset !== undefined && detected !== undefined
      ? { timeToDetectSeconds: detected - onset }
      : {}),
    ...(onset !== undefined && allReverted !== undefined
      ? { timeToRevertSeconds: allReverted - onset }
      : {}),
    reached,
    endedOnCandidate,
    exposure: {
      badRequests: bad,
      faultyRequests: faulty,
      totalRequests: total,
      shareOfAll: total ? bad / total : 0,
      perCohort,
    },
    timelines,
  };
}
