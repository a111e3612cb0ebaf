/**
 * Request volume per cohort over time: a share of the fleet's traffic, a
 * daily curve and noise. Pure functions of (profile, cohort, slice).
 */
import { countAt, hashString, normalAt } from "./random.js";
import type { SimulationProfile } from "./profile.js";

/** The simulation's atomic time step: 10 s, the finest resolution any simulated metric has. */
export const SLICE_MS = 10_000;

/** Normalised traffic shares (0..1) of the given cohorts, from the profile's weights. */
export function trafficShares(
  profile: SimulationProfile,
  cohorts: readonly string[],
): Map<string, number> {
  const weights = cohorts.map((c) => profile.cohorts[c]?.weight ?? 1);
  const total = weights.reduce((a, b) => a + b, 0);
  return new Map(cohorts.map((c, i) => [c, (weights[i] ?? 0) / total]));
}

/** Multiplier of the daily traffic curve at epoch ms `t`. */
export function diurnalFactor(profile: SimulationProfile, t: number): number {
  const hour = (t / 3_600_000) % 24;
  return 1 + profile.diurnalAmplitude * Math.cos((2 * Math.PI * (hour - profile.peakHourUtc)) / 24);
}

/** Requests a cohort receives in one slice. Noise 0 gives the exact expectation (for hand checks). */
export function requestsInSlice(
  profile: SimulationProfile,
  cohort: string,
  share: number,
  sliceStart: number,
): number {
  const perSlice = (profile.requestsPerMinute / 6) * share * diurnalFactor(profile, sliceStart);
  if (profile.noise === 0) return Math.round(perSlice);
  const key = hashString(cohort);
  const jitter = 1 + profile.noise * normalAt(profile.seed, key, sliceStart / SLICE_MS, 11);
  return countAt(Math.max(0, perSlice * jitter), profile.seed, key, sliceStart / SLICE_MS, 12);
}
