/**
 * The notification every sink is sent: a documented, versioned shape (schema
 * `cohort-rollout.notification/v1`). This zod schema is the source of truth;
 * docs/notification.schema.json is generated from it (a test keeps them equal),
 * so receivers can validate bodies without reading our code.
 *
 * Versioning: fields are only ever added within v1; removing or changing the
 * meaning of one makes v2, and `schema` says which a body follows.
 */
import { z } from "zod";
import { notificationKindSchema } from "../../../components/contract.js";

export const NOTIFICATION_SCHEMA_ID = "cohort-rollout.notification/v1";

export const notificationSchema = z
  .object({
    schema: z.literal(NOTIFICATION_SCHEMA_ID).describe("Which schema this body follows."),
    id: z
      .string()
      .describe(
        "Stable across retries and restarts (<environment>/<release>/<ledger seq>/<kind>): receivers de-duplicate on it.",
      ),
    kind: notificationKindSchema.describe("What happened."),
    severity: z
      .enum(["info", "warning", "critical"])
      .describe("critical: a human must act (revert failed, needs a human, awaiting approval)."),
    environment: z.string().describe("The environment, e.g. prod."),
    release: z.string().describe("The release id."),
    version: z.string().describe("The artifact version the release rolls out."),
    seq: z.number().int().describe("The ledger record that caused this notification."),
    at: z.iso.datetime().describe("When that record was written (UTC)."),
    summary: z.string().describe("One human sentence."),
    cohort: z.string().optional().describe("The cohort concerned, when one is."),
    cohorts: z
      .array(z.string())
      .optional()
      .describe("Cohorts concerned (a wave, or those a revert returns), when several."),
    wave: z.number().int().min(0).optional().describe("0-based wave index, when one is concerned."),
    reason: z.string().optional().describe("Why (a gate's alarm, an update's error)."),
    cause: z
      .string()
      .optional()
      .describe("For deploy-failed: update, preview or refused; for gate-failed: gate."),
    outcome: z
      .enum(["failed", "aborted"])
      .optional()
      .describe("For reverted: whether the release failed or was aborted."),
    nextStep: z
      .string()
      .optional()
      .describe("The command a human runs next, when one must (revert-failed, needs-human)."),
    approvers: z
      .array(z.string())
      .optional()
      .describe("For awaiting-approval: who may approve (empty: anyone who can write the ledger)."),
  })
  .strict();

export type Notification = z.infer<typeof notificationSchema>;

/** The JSON Schema of the body, as published in docs/notification.schema.json. */
export function notificationJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(notificationSchema, { target: "draft-2020-12" }),
    $id: "urn:cohort-rollout:notification:v1",
    title: "cohort-rollout notification (v1)",
    description:
      "The JSON body cohort-rollout POSTs to a webhook and publishes to SNS. Webhooks also carry X-Cohort-Rollout-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of `<t>.<raw body>` keyed by the sink's secret>.",
  };
}
