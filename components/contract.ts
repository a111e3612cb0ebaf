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

/**
 * Config keys to values. zod's record skips an own "__proto__" key (writing it would replace
 * the output's prototype), so a value set under that key would vanish without a word between
 * the user and the compute; the key is refused by name instead.
 */
export const configValuesSchema = z.preprocess(
  (input, ctx) => {
    if (typeof input === "object" && input !== null && Object.hasOwn(input, "__proto__"))
      ctx.issues.push({
        code: "custom",
        path: ["__proto__"],
        message: '"__proto__" cannot be a config key (JavaScript reserves it); hint: rename it',
        input,
      });
    return input;
  },
  z.record(z.string(), z.string()),
);

/** The release a cohort runs: held in that cohort stack's `pin` config. */
export const pinSchema = z.object({
  /** Release id, e.g. "2026-11-21.1" or a git sha; unique per release. */
  release: z.string().min(1),
  /** Artifact version, e.g. an image tag "1.4.2" or digest "sha256:…". */
  version: z.string().min(1),
  /** Configuration values delivered to the cohort's compute as environment. */
  config: configValuesSchema.default({}),
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

/** What each cohort exports (docs/architecture.md, "How the rollout and the pack reach the component"). */
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

/**
 * A secret, by reference only: `env:NAME` reads the variable NAME of the process that
 * delivers (under `esc run <org>/<project>/<env> -- ...` that is a Pulumi ESC environment's
 * `environmentVariables`). The value is never written to a stack output, the ledger or the
 * outbox: only the reference is.
 */
export const secretRefSchema = z.string().regex(/^env:[A-Za-z_][A-Za-z0-9_]*$/, {
  message: "must be a reference such as env:ROLLOUT_WEBHOOK_SECRET, never the secret itself",
});

/** Notification kinds a sink can subscribe to (cohort-rollout's notification schema v1). */
export const notificationKindSchema = z.enum([
  "planned",
  "wave-passed",
  "gate-failed",
  "deploy-failed",
  "reverting",
  "reverted",
  "revert-failed",
  "needs-human",
  "awaiting-approval",
  "completed",
]);
export type NotificationKind = z.infer<typeof notificationKindSchema>;

const sinkCommon = {
  /** Names the sink in `status` and the outbox, e.g. "sre-slack". */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, {
    message: "lowercase letters, digits and '-', up to 40 chars",
  }),
  /** Only these kinds are sent to the sink. @default every kind */
  kinds: z.array(notificationKindSchema).min(1).optional(),
  /** Attempts per notification, including the first. @default 5 */
  attempts: z.number().int().min(1).max(20).default(5),
  /** One attempt is abandoned after this long, seconds. @default 10 */
  timeoutSeconds: z.number().positive().max(300).default(10),
};

/** Where an environment's rollout notifications go. */
export const notificationSinkSchema = z.discriminatedUnion("type", [
  z
    .object({
      type: z.literal("webhook"),
      ...sinkCommon,
      /** An https (or loopback http) URL, or a reference to one. */
      url: z.union([secretRefSchema, z.url({ protocol: /^https?$/ })]),
      /** Key of the HMAC-SHA256 signature header (X-Cohort-Rollout-Signature). */
      secret: secretRefSchema,
    })
    .strict(),
  z
    .object({
      type: z.literal("slack"),
      ...sinkCommon,
      /** The incoming-webhook URL: it carries its own token, so only a reference is accepted. */
      url: secretRefSchema,
    })
    .strict(),
  z
    .object({
      type: z.literal("sns"),
      ...sinkCommon,
      topicArn: z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+(\.fifo)?$/, {
        message: "must be an SNS topic ARN, e.g. arn:aws:sns:eu-west-1:123456789012:rollouts",
      }),
    })
    .strict(),
]);
export type NotificationSink = z.infer<typeof notificationSinkSchema>;

export const notificationsConfigSchema = z
  .object({ sinks: z.array(notificationSinkSchema).max(10).default([]) })
  .strict();
export type NotificationsConfig = z.infer<typeof notificationsConfigSchema>;

/** A cohort that needs a person's approval before a release enters its wave. */
export const approvalSchema = z.enum(["required", "none"]);

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
  /** `required`: a release waits for `cohort-rollout approve` before entering this cohort's wave. */
  approval: approvalSchema.optional(),
  /** Who may approve (names as given to `approve --by`); empty: anyone who can write the ledger. */
  approvers: z.array(z.string().min(1)).optional(),
});
export type EnvironmentCohort = z.infer<typeof environmentCohortSchema>;

export const environmentOutputSchema = z.object({
  name: z.string().min(1),
  /** The edge stack's name, e.g. "prod"; absent in single-stack mode. */
  edgeStack: z.string().min(1).optional(),
  /** Cohorts in rollout order (criticality ascending, then name). */
  cohorts: z.array(environmentCohortSchema).min(1),
  /** Where rollout notifications go (references to secrets only). */
  notifications: notificationsConfigSchema.optional(),
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
