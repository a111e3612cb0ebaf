/**
 * Zod schemas for every plain (shape-deciding) input of the component: the
 * environment definition (cohorts, matches, bakes, alarm thresholds) and the
 * container settings. Cross-cohort rules (unique names, matches, priorities,
 * quotas) live in validate.ts, because zod skips object refinements once a
 * field has failed and we want every problem reported at once.
 */
import { z } from "zod";
import { type NotificationsConfig, approvalSchema, notificationsConfigSchema } from "./contract.js";
import { COHORT_NAME_PATTERN } from "./identity.js";

/** Header that carries the cohort when a cohort is header-routed. */
export const DEFAULT_HEADER_NAME = "x-customer-cohort";

/** The platform an environment's cohorts and edge are built on (components/platform.ts). */
export const platformIdSchema = z.enum(["aws", "kubernetes"]);
export type PlatformId = z.infer<typeof platformIdSchema>;

const dnsLabel = z
  .string()
  .regex(COHORT_NAME_PATTERN, "must be DNS-safe: lowercase letters, digits and '-', 1-20 chars");

const hostName = z
  .string()
  .max(128)
  .regex(
    /^(\*\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/,
    "must be a lowercase DNS host name, e.g. api.example.com",
  );

/** How the ingress recognises a cohort's requests: host and/or header value (ANDed). */
export const matchSchema = z
  .object({
    /** Host names (at most 3: an ALB condition holds at most 3 values). */
    hosts: z.array(hostName).min(1).max(3).optional(),
    /** Exact value of the cohort header; no wildcards, so one rule can match one cohort only. */
    header: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9._-]+$/, "must be a literal value without wildcards")
      .optional(),
  })
  .strict()
  .refine((m) => m.hosts !== undefined || m.header !== undefined, {
    message: "must set hosts and/or header",
  });
export type Match = z.infer<typeof matchSchema>;

/**
 * Alarm thresholds and periods. Defaults follow ALB metric behaviour: 60 s
 * standard-resolution datapoints, 2 of 3 to alarm.
 */
export const alarmThresholdsSchema = z
  .object({
    /** 5xx responses as a percentage of requests above which the cohort is unhealthy. @default 2 */
    errorRatePercent: z.number().gt(0).max(100).default(2),
    /** Requests per period below which the error rate counts as 0 (low-traffic guard). @default 20 */
    minRequests: z.number().int().min(1).max(1_000_000).default(20),
    /** p99 target response time, seconds, above which the cohort is unhealthy. @default 1.5 */
    latencyP99Seconds: z.number().gt(0).max(60).default(1.5),
    /** Seconds per datapoint; ALB metrics are standard resolution, so a multiple of 60. @default 60 */
    periodSeconds: z.number().int().min(60).max(3600).multipleOf(60).default(60),
    /** Datapoints evaluated. @default 3 */
    evaluationPeriods: z.number().int().min(1).max(10).default(3),
    /** Breaching datapoints (of evaluationPeriods) that raise the alarm. @default 2 */
    datapointsToAlarm: z.number().int().min(1).max(10).default(2),
    /** Minutes the no-healthy-hosts alarm waits after creation before evaluating. @default 10 */
    warmUpMinutes: z.number().int().min(1).max(2880).default(10),
  })
  .strict()
  .refine((a) => a.datapointsToAlarm <= a.evaluationPeriods, {
    message: "datapointsToAlarm must not exceed evaluationPeriods",
    path: ["datapointsToAlarm"],
  });
export type AlarmThresholds = z.infer<typeof alarmThresholdsSchema>;

/** One cohort as the environment defines it. */
export const cohortSpecSchema = z
  .object({
    name: dnsLabel,
    /** 0 = least critical; releases reach lower criticality first. */
    criticality: z.number().int().min(0).max(1000),
    match: matchSchema,
    bakeSeconds: z.number().int().positive().optional(),
    bakeMinutes: z.number().positive().optional(),
    /** Minimum seconds between two releases reaching this cohort. @default 0 */
    minIntervalSeconds: z.number().int().min(0).default(0),
    /** Listener rule priority (1-50000). @default derived from the name and match (see priority.ts) */
    priority: z.number().int().min(1).max(50_000).optional(),
    /** `shared`: a rule on the edge's ALB; `dedicated`: its own ALB in its own stack. @default "shared" */
    ingress: z.enum(["shared", "dedicated"]).default("shared"),
    storage: z
      .object({
        /** Create a cohort S3 bucket. @default false */
        bucket: z.boolean().default(false),
      })
      .strict()
      .default({ bucket: false }),
    /** The cohort's Pulumi stack. @default "<environment>.<cohort>" */
    stack: z.string().min(1).max(100).optional(),
    /** Running tasks. @default 2 */
    desiredCount: z.number().int().min(0).max(1000).default(2),
    /**
     * How long this cohort's deployment may take, seconds, from its update returning to the new
     * version serving (ECS: primary deployment COMPLETED, old tasks drained). A deployment still
     * in progress after this fails the release at this cohort, which is then reverted through
     * its stack. Cover image pull, health checks, the target group's deregistration delay and
     * ECS's own alarm watch. @default 1200 (20 minutes, the AWS provider's update timeout)
     */
    deploymentTimeoutSeconds: z.number().int().min(60).max(21_600).default(1200),
    /** `required`: a release waits for `cohort-rollout approve` before this cohort's wave. @default "none" */
    approval: approvalSchema.default("none"),
    /** Who may approve that wave (as given to `approve --by`). @default anyone who can write the ledger */
    approvers: z.array(z.string().min(1).max(100)).max(50).default([]),
  })
  .strict();
export type CohortSpecInput = z.input<typeof cohortSpecSchema>;

/** Bake used when a cohort declares neither bakeSeconds nor bakeMinutes. */
export const DEFAULT_BAKE_SECONDS = 600;

/** The environment definition, written once and read by every stack of the environment. */
/**
 * Environment names go into every physical name as `svc-<env>-<cohort>-…`. Cohort names may
 * contain '-', so an environment name must not: env "prod" + cohort "eu-free" and env "prod-eu"
 * + cohort "free" would otherwise share table, role and alarm names in one account, and one
 * environment's alarms would silently overwrite the other's (and gate its rollouts).
 */
const environmentName = z
  .string()
  .regex(
    /^[a-z][a-z0-9]{0,19}$/,
    "must be lowercase letters and digits, 1-20 chars, starting with a letter (no '-': `svc-<env>-<cohort>` names must not be ambiguous across environments)",
  );

export const environmentSpecSchema = z
  .object({
    name: environmentName,
    /** The edge stack's name. @default the environment name */
    edgeStack: z.string().min(1).max(100).optional(),
    /** Header carrying the cohort for header-matched cohorts. @default "x-customer-cohort" */
    headerName: z
      .string()
      .min(1)
      .max(40)
      .regex(/^[A-Za-z0-9-]+$/)
      // An ALB http-header condition cannot match Host (a host-header condition does).
      .refine((h) => h.toLowerCase() !== "host", "must not be Host: match hosts with match.hosts")
      .default(DEFAULT_HEADER_NAME),
    /** The platform of the edge and every cohort. @default "aws" */
    platform: platformIdSchema.default("aws"),
    cohorts: z.array(z.unknown()).min(1, "an environment needs at least one cohort"),
    alarms: alarmThresholdsSchema.default(alarmThresholdsSchema.parse({})),
    /** Where cohort-rollout sends notifications (secrets only by reference, e.g. env:NAME). */
    notifications: notificationsConfigSchema.optional(),
  })
  .strict();
export type EnvironmentSpecInput = Omit<z.input<typeof environmentSpecSchema>, "cohorts"> & {
  cohorts: CohortSpecInput[];
};

/** Which part of the environment a stack owns. */
export const partSchema = z.enum(["all", "edge", "cohort"]);
export type Part = z.infer<typeof partSchema>;

/** A cohort after validation and defaulting. */
export interface CohortSpec {
  name: string;
  criticality: number;
  match: Match;
  bakeSeconds: number;
  minIntervalSeconds: number;
  priority: number;
  ingress: "shared" | "dedicated";
  storage: { bucket: boolean };
  stack: string;
  desiredCount: number;
  deploymentTimeoutSeconds: number;
  approval: "required" | "none";
  approvers: string[];
}

/** An environment after validation and defaulting; cohorts sorted in rollout order. */
export interface EnvironmentSpec {
  name: string;
  platform: PlatformId;
  edgeStack: string;
  headerName: string;
  cohorts: CohortSpec[];
  alarms: AlarmThresholds;
  notifications?: NotificationsConfig;
}
