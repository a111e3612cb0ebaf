/**
 * The train a rehearsal submits: the environment's plan (the waves, bakes, alarms and
 * minimum intervals `deploy` would use) as the train's waves, and N releases, one of which
 * carries the fault.
 */
import type { PlannedWave } from "../../core/events.js";
import {
  type TrainPolicy,
  type TrainReleaseSpec,
  type TrainWave,
  trainCohortSchema,
  trainPolicySchema,
} from "../../core/train/events.js";

/**
 * The plan's waves as train waves: each cohort keeps its bake, alarms and minimum interval
 * (its cadence), and gets the latent-activation guard's observation window.
 * @param waves deploy's plan for the environment
 * @param observationMs how long each cohort's gate keeps watching after its bake passed
 */
export function trainWavesFor(waves: readonly PlannedWave[], observationMs: number): TrainWave[] {
  return waves.map((w, index) => ({
    index,
    cohorts: w.targets.map((t) =>
      trainCohortSchema.parse({
        cohort: t.cohort,
        stack: t.stack,
        bakeMs: t.bakeMs,
        alarmNames: t.alarmNames,
        observationMs,
        cadence: { minIntervalMs: t.minIntervalMs ?? 0, timeZone: "UTC" },
      }),
    ),
  }));
}

/**
 * The train's policy: the rehearsal's poll interval and INSUFFICIENT_DATA handling.
 * @param order `queue` (every release through every cohort) or `supersede`
 * @param pollIntervalMs how often a baking cohort's alarms are read
 * @param insufficientData what a gate read of INSUFFICIENT_DATA means
 */
export function trainPolicyFor(
  order: TrainPolicy["order"],
  pollIntervalMs: number,
  insufficientData: TrainPolicy["insufficientData"],
): TrainPolicy {
  return trainPolicySchema.parse({ order, pollIntervalMs, insufficientData });
}

/** Release i (1-based) of the rehearsed train: id `r<i>`, version `1.<i>.0` (the baseline is 1.0.0). */
export function trainReleaseId(i: number): string {
  return `r${String(i)}`;
}

/**
 * The train's releases, in submission order.
 * @param count how many releases
 */
export function trainReleases(count: number): TrainReleaseSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    id: trainReleaseId(i + 1),
    version: `1.${String(i + 1)}.0`,
    config: {},
  }));
}
