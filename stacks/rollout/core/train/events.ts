/**
 * A release train's ledger events. They live in the environment's one ledger beside the
 * single-release events (events.ts spreads `trainEventSchemas` into its union), keyed by
 * release and cohort like them; a train's cohort progress reuses the single-release events
 * (`applying`, `applied`, `observed`, `passed`, `failed`, `reverting`, `reverted`,
 * `revert-failed`, `abort-requested`) for releases that were submitted rather than planned.
 *
 * This module imports nothing from events.ts: events.ts imports it.
 */
import { z } from "zod";
import { configValuesSchema } from "../../../../components/contract.js";

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const hhmm = z
  .string()
  .regex(
    /^([01]\d|2[0-3]):(00|15|30|45)$/,
    "a local time as HH:MM (24-hour) on a quarter hour, e.g. 09:00 or 17:30",
  );

/** A weekly window in the cohort's time zone: [start, end) on each listed day. */
export const cadenceWindowSchema = z
  .object({
    days: z.array(z.enum(WEEKDAYS)).min(1),
    start: hhmm,
    end: hhmm.or(z.literal("24:00")),
  })
  .refine((w) => w.start < w.end, {
    message: "a window ends after it starts on the same day (split one crossing midnight in two)",
  });
export type CadenceWindow = z.infer<typeof cadenceWindowSchema>;

/** Asymmetric cadence: how often and when one cohort may take a release. */
export const cadenceSchema = z.object({
  /** At least this long between two releases entering the cohort. */
  minIntervalMs: z.number().int().min(0).default(0),
  /** At most this many releases enter the cohort per calendar day in `timeZone`. */
  maxPerDay: z.number().int().positive().optional(),
  /** IANA time zone the windows and the day are counted in. */
  timeZone: z.string().min(1).default("UTC"),
  /** Releases enter only inside one of these (absent: any time). */
  windows: z.array(cadenceWindowSchema).min(1).optional(),
});
export type Cadence = z.infer<typeof cadenceSchema>;

export const trainCohortSchema = z.object({
  cohort: z.string().min(1),
  stack: z.string().min(1),
  /** Minimum bake: the gate must stay healthy this long after the update before the release moves on. */
  bakeMs: z.number().int().min(0),
  alarmNames: z.array(z.string().min(1)).min(1),
  /**
   * Latent-activation guard: the gate keeps watching this long after the bake passed. The
   * release moves on meanwhile; the cohort takes no other release until the window ends.
   */
  observationMs: z.number().int().min(0).default(0),
  /**
   * How long the cohort's deployment may take after its update returned before the release
   * fails there (the cohort's `deploymentTimeoutSeconds`; core/deployment.ts). Absent:
   * DEFAULT_DEPLOYMENT_TIMEOUT_MS.
   */
  deploymentTimeoutMs: z.number().int().positive().optional(),
  cadence: cadenceSchema.default({ minIntervalMs: 0, timeZone: "UTC" }),
});
export type TrainCohort = z.infer<typeof trainCohortSchema>;

export const trainWaveSchema = z.object({
  index: z.number().int().min(0),
  cohorts: z.array(trainCohortSchema).min(1),
});
export type TrainWave = z.infer<typeof trainWaveSchema>;

export const trainPolicySchema = z.object({
  /** `supersede`: a freed cohort takes the newest ready release; `queue`: every release in order. */
  order: z.enum(["supersede", "queue"]).default("supersede"),
  /** Cohort updates running at once across the environment (a wave's cohorts go concurrently). */
  maxConcurrentUpdates: z.number().int().positive().default(4),
  pollIntervalMs: z.number().int().positive().default(30_000),
  insufficientData: z.enum(["hold", "fail", "ignore"]).default("hold"),
});
export type TrainPolicy = z.infer<typeof trainPolicySchema>;

/**
 * What a train release changes: the version, configuration values (flags, env values,
 * sizing), or both. A configuration release without a version keeps each cohort's version.
 */
export const trainReleaseSpecSchema = z
  .object({
    id: z.string().min(1),
    version: z.string().min(1).optional(),
    config: configValuesSchema.default({}),
  })
  .refine((r) => r.version !== undefined || Object.keys(r.config).length > 0, {
    message: "a release changes the version, configuration values, or both",
  });
export type TrainReleaseSpec = z.infer<typeof trainReleaseSpecSchema>;

const base = { release: z.string().min(1) };

export const trainEventSchemas = [
  /** A release joins the environment's queue, with the waves and policy it goes through. */
  z.object({
    type: z.literal("train-submitted"),
    ...base,
    environment: z.string().min(1),
    releaseSpec: trainReleaseSpecSchema,
    waves: z.array(trainWaveSchema).min(1),
    policy: trainPolicySchema,
  }),
  /**
   * The scheduler let the release into a cohort (it counts for the cohort's cadence from here).
   * `supersedes`: older ready releases that skip this cohort and the rest of the train.
   */
  z.object({
    type: z.literal("train-entered"),
    ...base,
    cohort: z.string().min(1),
    wave: z.number().int().min(0),
    reason: z.string(),
    supersedes: z.array(z.string()).default([]),
  }),
  /** A failed release holds a later one until a human decides (`train-unheld` or an abort). */
  z.object({
    type: z.literal("train-held"),
    ...base,
    cause: z.string().min(1),
    reason: z.string(),
  }),
  z.object({
    type: z.literal("train-unheld"),
    ...base,
    by: z.string().min(1),
    reason: z.string(),
  }),
  /** The cohort's observation window after its bake ended healthy: the cohort is free again. */
  z.object({ type: z.literal("train-settled"), ...base, cohort: z.string().min(1) }),
  /** The release is done with the train. */
  z.object({
    type: z.literal("train-finished"),
    ...base,
    outcome: z.enum(["completed", "failed", "superseded", "aborted"]),
    reason: z.string(),
  }),
] as const;

export const trainEventSchema = z.discriminatedUnion("type", [...trainEventSchemas]);
export type TrainEvent = z.infer<typeof trainEventSchema>;
