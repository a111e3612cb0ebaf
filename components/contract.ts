/**
 * The contract between the component (which exports these shapes as stack
 * outputs) and the rollout program (which reads them). Both sides import this
 * module, so a change here is a change to both; keep it additive.
 *
 * Cohort stacks (and the single-stack mode) export `cohorts`, a map of
 * cohort name -> CohortOutput. The edge stack (and the single-stack mode)
 * exports `environment`, the environment's cohort definitions.
 */
import { z } from "zod";

/** The release a cohort runs: held in that cohort stack's `pin` config. */
export const pinSchema = z.object({
  /** Release id, e.g. "2026-11-21.1" or a git sha; unique per release. */
  release: z.string().min(1),
  /** Artifact version, e.g. an image tag "1.4.2" or digest "sha256:…". */
  version: z.string().min(1),
  /** Configuration values delivered to the cohort's compute as environment. */
  config: z.record(z.string(), z.string()).default({}),
});
export type Pin = z.infer<typeof pinSchema>;

/** One CloudWatch alarm that gates a cohort, with what the plan needs to size a bake. */
export const alarmOutputSchema = z.object({
  name: z.string().min(1),
  kind: z.enum(["metric", "composite"]),
  /** Seconds per datapoint (metric alarms); composite alarms inherit their children's. */
  periodSeconds: z.number().int().positive().optional(),
  evaluationPeriods: z.number().int().positive().optional(),
  datapointsToAlarm: z.number().int().positive().optional(),
});
export type AlarmOutput = z.infer<typeof alarmOutputSchema>;

/**
 * Where a cohort's running version can be observed, so the rollout starts a bake only once the
 * new version serves (and notices a platform that put another version back by itself). One
 * member per platform whose update returns before the new version serves; a platform whose
 * update only returns once the new version serves (Kubernetes with the provider's readiness
 * await, a Cloudflare change once it is live) exports none, and its update's return is
 * "serving". Keyed by `platform` so other platforms plug in without a change to the rollout.
 */
export const deploymentRefSchema = z.discriminatedUnion("platform", [
  z.object({
    platform: z.literal("ecs"),
    /** The cohort's ECS cluster ARN. */
    cluster: z.string().min(1),
    /** The cohort's ECS service ARN (or name). */
    service: z.string().min(1),
    /** The task definition ARN the stack's last update asked ECS to run. */
    taskDefinition: z.string().min(1),
  }),
]);
export type DeploymentRef = z.infer<typeof deploymentRefSchema>;

/** What each cohort exports (DESIGN.md §5). */
export const cohortOutputSchema = z.object({
  name: z.string().min(1),
  criticality: z.number().int().min(0),
  pin: pinSchema,
  /** Every alarm that gates this cohort, metric alarms and the composite. */
  alarmNames: z.array(z.string().min(1)).min(1),
  compositeAlarmName: z.string().min(1),
  alarms: z.array(alarmOutputSchema).default([]),
  /** How a client reaches this cohort (URL with host, and the header if header-routed). */
  endpoint: z.string(),
  urn: z.string().optional(),
  /** Where the rollout watches this cohort's deployment; absent: the update's return is "serving". */
  deployment: deploymentRefSchema.optional(),
});
export type CohortOutput = z.infer<typeof cohortOutputSchema>;

/** One cohort as the environment defines it (exported by the edge stack). */
export const environmentCohortSchema = z.object({
  name: z.string().min(1),
  criticality: z.number().int().min(0),
  /** Bake after a release reaches this cohort, seconds. */
  bakeSeconds: z.number().int().positive(),
  /** Minimum time between two releases reaching this cohort (asymmetric cadence), seconds. */
  minIntervalSeconds: z.number().int().min(0).default(0),
  /**
   * How long the cohort's deployment may take after its update returned before the rollout
   * calls it failed, seconds. Absent in outputs of older versions (the rollout's default applies).
   */
  deploymentTimeoutSeconds: z.number().int().positive().optional(),
  /** The Pulumi stack that owns this cohort, e.g. "prod.free". */
  stack: z.string().min(1),
});
export type EnvironmentCohort = z.infer<typeof environmentCohortSchema>;

export const environmentOutputSchema = z.object({
  name: z.string().min(1),
  /** The edge stack's name, e.g. "prod"; absent in single-stack mode. */
  edgeStack: z.string().min(1).optional(),
  /** Cohorts in rollout order (criticality ascending, then name). */
  cohorts: z.array(environmentCohortSchema).min(1),
});
export type EnvironmentOutput = z.infer<typeof environmentOutputSchema>;

/** Names of the stack outputs above. */
export const OUTPUT_KEYS = { cohorts: "cohorts", environment: "environment" } as const;

/** Config keys (in the project's namespace) that the program reads and the rollout writes. */
export const CONFIG_KEYS = {
  /** Which environment definition this stack belongs to, e.g. "prod". */
  environment: "environment",
  /** Which part this stack owns: "edge" | "cohort" | "all". */
  part: "part",
  /** The cohort this stack owns (part = "cohort"). */
  cohort: "cohort",
  /** This cohort stack's pin, a JSON object matching pinSchema (part = "cohort"). */
  pin: "pin",
  /** Every cohort's pin, a JSON map cohort -> pin (part = "all"). */
  pins: "pins",
} as const;
