/**
 * What the simulated fleet looks like: traffic per cohort, baselines, update
 * durations per platform and injectable update failures. Everything has a
 * default so `rehearse` works on any environment with no extra input; flags
 * override individual fields.
 */
import { z } from "zod";

export const platformSchema = z.enum(["ecs", "lambda", "kubernetes", "cloudflare"]);
export type Platform = z.infer<typeof platformSchema>;

const durationRangeSchema = z
  .object({ minSeconds: z.number().positive(), maxSeconds: z.number().positive() })
  .refine((r) => r.minSeconds <= r.maxSeconds, { message: "minSeconds must be <= maxSeconds" });

/** A range that may be zero (a platform whose update returns once the new version serves). */
const delayRangeSchema = z
  .object({ minSeconds: z.number().min(0), maxSeconds: z.number().min(0) })
  .refine((r) => r.minSeconds <= r.maxSeconds, { message: "minSeconds must be <= maxSeconds" });

const NO_DELAY = { minSeconds: 0, maxSeconds: 0 };

/**
 * ECS with `waitForSteadyState: false` (the component's setting): `pulumi up` returns once ECS
 * accepted the new task definition; Fargate then provisions the new tasks, pulls the image,
 * starts them and passes the target group's health checks (2 × 15 s) before they take the
 * cohort's traffic and the old ones deregister (30 s delay). The deployment is reported
 * COMPLETED later still: old tasks drained and ECS's own alarm watch over. Kubernetes (the
 * provider awaits readiness), Lambda (an alias swap) and Cloudflare (live when the API call
 * returns) serve when their update returns.
 */
const DEFAULT_SERVING_DELAYS = {
  ecs: { minSeconds: 90, maxSeconds: 240 },
  lambda: NO_DELAY,
  kubernetes: NO_DELAY,
  cloudflare: NO_DELAY,
};
const DEFAULT_COMPLETION_DELAYS = {
  ecs: { minSeconds: 120, maxSeconds: 300 },
  lambda: NO_DELAY,
  kubernetes: NO_DELAY,
  cloudflare: NO_DELAY,
};

export const cohortTrafficSchema = z.strictObject({
  /** Relative weight of the cohort's requests; shares are normalised over all cohorts. */
  weight: z.number().positive().default(1),
  hosts: z.number().int().positive().default(4),
  /** Baseline share of requests answered with a 5xx. */
  errorRate: z.number().min(0).max(1).default(0.002),
  /** Median latency of the healthy release, seconds. */
  latencyMedianSeconds: z.number().positive().default(0.08),
  /** Log-normal shape of the latency distribution. */
  latencySigma: z.number().positive().default(0.45),
  platform: platformSchema.default("ecs"),
});
export type CohortTraffic = z.infer<typeof cohortTrafficSchema>;

export const updateFailureSchema = z.strictObject({
  /** Stack whose update fails, e.g. "prod.pro"; "*" for every stack. */
  stack: z.string().min(1),
  /** Which update attempt on that stack fails (1 = the first); omit for every attempt. */
  attempt: z.number().int().positive().optional(),
  /** Fail the revert too (an update back to the previous release) rather than the rollout. */
  onRevert: z.boolean().default(false),
});
export type UpdateFailure = z.infer<typeof updateFailureSchema>;

export const simulationProfileSchema = z.strictObject({
  seed: z.number().int().default(1),
  /** Requests per minute over all cohorts at the diurnal mean. */
  requestsPerMinute: z.number().positive().default(6000),
  /** Peak-to-mean amplitude of the daily traffic curve (0 = flat). */
  diurnalAmplitude: z.number().min(0).max(0.95).default(0.35),
  /** Hour (UTC, 0-24) of the daily traffic peak. */
  peakHourUtc: z.number().min(0).max(24).default(15),
  /** Relative per-10-second noise of request rates. */
  noise: z.number().min(0).max(1).default(0.08),
  /** Virtual time the rehearsal starts at, epoch ms. */
  startEpochMs: z
    .number()
    .int()
    .default(Date.UTC(2026, 0, 6, 9, 0, 0)),
  /** Seconds from the end of a period until CloudWatch has the ALB's datapoint. */
  albPublicationLagSeconds: z.number().min(0).default(90),
  /** Seconds from the end of a period until an application's high-resolution datapoint is visible. */
  appPublicationLagSeconds: z.number().min(0).default(15),
  cohorts: z.record(z.string(), cohortTrafficSchema).default({}),
  updateDurations: z
    .object({
      ecs: durationRangeSchema.default({ minSeconds: 30, maxSeconds: 90 }),
      lambda: durationRangeSchema.default({ minSeconds: 30, maxSeconds: 90 }),
      kubernetes: durationRangeSchema.default({ minSeconds: 90, maxSeconds: 240 }),
      cloudflare: durationRangeSchema.default({ minSeconds: 15, maxSeconds: 45 }),
    })
    .default({
      ecs: { minSeconds: 30, maxSeconds: 90 },
      lambda: { minSeconds: 30, maxSeconds: 90 },
      kubernetes: { minSeconds: 90, maxSeconds: 240 },
      cloudflare: { minSeconds: 15, maxSeconds: 45 },
    }),
  /**
   * Seconds from an update's return (`updateDurations`) until the new version serves the
   * cohort's traffic, per platform: the exposure counts from here. Defaults: see above.
   */
  servingDelays: z
    .object({
      ecs: delayRangeSchema.default(DEFAULT_SERVING_DELAYS.ecs),
      lambda: delayRangeSchema.default(NO_DELAY),
      kubernetes: delayRangeSchema.default(NO_DELAY),
      cloudflare: delayRangeSchema.default(NO_DELAY),
    })
    .default(DEFAULT_SERVING_DELAYS),
  /**
   * Seconds from serving until the platform reports the deployment complete (ECS: rolloutState
   * COMPLETED, old tasks drained), when the rollout's watcher calls it serving and the bake
   * starts.
   */
  completionDelays: z
    .object({
      ecs: delayRangeSchema.default(DEFAULT_COMPLETION_DELAYS.ecs),
      lambda: delayRangeSchema.default(NO_DELAY),
      kubernetes: delayRangeSchema.default(NO_DELAY),
      cloudflare: delayRangeSchema.default(NO_DELAY),
    })
    .default(DEFAULT_COMPLETION_DELAYS),
  updateFailures: z.array(updateFailureSchema).default([]),
});
export type SimulationProfile = z.infer<typeof simulationProfileSchema>;
export type SimulationProfileInput = z.input<typeof simulationProfileSchema>;

/** The traffic settings of one cohort, with defaults for cohorts the profile does not name. */
export function cohortTraffic(profile: SimulationProfile, cohort: string): CohortTraffic {
  return profile.cohorts[cohort] ?? cohortTrafficSchema.parse({});
}
