/**
 * The simulated fleet: which release each cohort runs over time, and what
 * its hosts and requests look like in every 10-second slice as a result.
 * Pin changes are recorded as they happen on the virtual clock; the slices
 * are computed lazily, only ever for the past.
 */
import { activeFaultAt, type ActiveFault, type Fault } from "./faults.js";
import { cohortTraffic, type CohortTraffic, type SimulationProfile } from "./profile.js";
import { countAt, hashString } from "./random.js";
import { requestsInSlice, SLICE_MS, trafficShares } from "./traffic.js";

export interface PinChange {
  at: number;
  release: string;
}

export interface Slice {
  start: number;
  release: string;
  /** True when the release serving this slice is a faulty one (whether or not its fault shows yet). */
  bad: boolean;
  fault?: ActiveFault;
  requests: number;
  errors: number;
  /** ln(median latency, seconds) and shape of this slice's latency distribution. */
  latencyMu: number;
  latencySigma: number;
  healthyHosts: number;
  unhealthyHosts: number;
}

export class SimulatedFleet {
  readonly shares: Map<string, number>;
  private readonly pins = new Map<string, PinChange[]>();
  /** Computed slices per cohort, by slice start. */
  private readonly cache = new Map<string, Map<number, Slice>>();

  constructor(
    readonly profile: SimulationProfile,
    readonly cohorts: readonly string[],
    /** Faults by release id; a release not listed is good. */
    private readonly faults: ReadonlyMap<string, Fault>,
    initialRelease: string,
  ) {
    this.shares = trafficShares(profile, cohorts);
    for (const c of cohorts)
      this.pins.set(c, [{ at: profile.startEpochMs, release: initialRelease }]);
  }

  isBad(release: string): boolean {
    const f = this.faults.get(release);
    return f !== undefined && f.kind !== "none";
  }

  /** Record that `cohort` runs `release` from `at` on (an update finished). */
  setRelease(cohort: string, release: string, at: number): void {
    const list = this.timeline(cohort);
    list.push({ at, release });
    list.sort((a, b) => a.at - b.at);
    // Slices at or after the change may have been computed under the old release.
    const cached = this.cache.get(cohort);
    for (const start of [...(cached?.keys() ?? [])]) {
      if (start + SLICE_MS > at) cached?.delete(start);
    }
  }

  timeline(cohort: string): PinChange[] {
    const list = this.pins.get(cohort);
    if (!list) throw new Error(`unknown cohort "${cohort}" in the simulated fleet`);
    return list;
  }

  /** The release a cohort runs at `t`, and since when. */
  releaseAt(cohort: string, t: number): PinChange {
    const list = this.timeline(cohort);
    let current = list[0];
    for (const change of list) {
      if (change.at <= t) current = change;
      else break;
    }
    return current;
  }

  traffic(cohort: string): CohortTraffic {
    return cohortTraffic(this.profile, cohort);
  }

  /** The slice that contains epoch ms `t`. */
  sliceStartOf(t: number): number {
    const offset = t - this.profile.startEpochMs;
    return this.profile.startEpochMs + Math.floor(offset / SLICE_MS) * SLICE_MS;
  }

  slice(cohort: string, start: number): Slice {
    let cached = this.cache.get(cohort);
    if (!cached) {
      cached = new Map();
      this.cache.set(cohort, cached);
    }
    const hit = cached.get(start);
    if (hit) return hit;
    const computed = this.computeSlice(cohort, start);
    cached.set(start, computed);
    return computed;
  }

  private computeSlice(cohort: string, start: number): Slice {
    const p = this.profile;
    const t = this.traffic(cohort);
    const pin = this.releaseAt(cohort, start + SLICE_MS / 2);
    const faultDef = this.faults.get(pin.release);
    const since =
      faultDef?.kind === "latent" && faultDef.from === "first-deploy"
        ? this.firstDeploy(pin.release)
        : pin.at;
    const fault = faultDef ? activeFaultAt(faultDef, (start - since) / 1000) : undefined;
    const requests = requestsInSlice(p, cohort, this.shares.get(cohort) ?? 0, start);

    let unhealthyHosts = 0;
    let errorRate = t.errorRate;
    let median = t.latencyMedianSeconds;
    if (fault?.kind === "error-spike") errorRate += fault.errorRate;
    if (fault?.kind === "latency-regression") median *= fault.factor;
    if (fault?.kind === "crash-loop") {
      unhealthyHosts = Math.max(1, Math.round(t.hosts * fault.unhealthyFraction));
      // Requests in flight on a crashing task fail; the ALB routes the rest to survivors.
      errorRate += 0.25 * fault.unhealthyFraction;
    }
    errorRate = Math.min(1, errorRate);
    const key = hashString(cohort);
    const errors =
      p.noise === 0
        ? Math.round(requests * errorRate)
        : Math.min(
            requests,
            countAt(requests * errorRate, p.seed, key, (start - p.startEpochMs) / SLICE_MS, 21),
          );
    return {
      start,
      release: pin.release,
      bad: this.isBad(pin.release),
      ...(fault ? { fault } : {}),
      requests,
      errors,
      latencyMu: Math.log(median),
      latencySigma: t.latencySigma,
      healthyHosts: t.hosts - unhealthyHosts,
      unhealthyHosts,
    };
  }

  /** When a release first reached any cohort (or Infinity if it never did). */
  firstDeploy(release: string): number {
    let first = Number.POSITIVE_INFINITY;
    for (const list of this.pins.values()) {
      for (const change of list) if (change.release === release) first = Math.min(first, change.at);
    }
    return first;
  }

  /** Every slice of a cohort in [from, to). */
  slices(cohort: string, from: number, to: number): Slice[] {
    const out: Slice[] = [];
    for (let s = this.sliceStartOf(from); s < to; s += SLICE_MS) out.push(this.slice(cohort, s));
    return out;
  }
}
