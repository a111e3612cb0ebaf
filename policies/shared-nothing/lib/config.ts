import { z } from "zod";
import type { PolicyConfigSchema } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema.js";
import { COHORT_TAG_KEY } from "../../../components/identity.js";

/**
 * Configuration every rule accepts (each rule has its own copy in the pack config, so teams can
 * tune or exempt per rule). The JSON Schema is what `pulumi preview` validates; the zod schema
 * is the same contract checked again at run time, because a config that slipped through must
 * produce a clear violation rather than a crash or a silently disabled rule.
 */
export const MIN_REASON_LENGTH = 10;

const exemptionJsonSchema: PolicyConfigJSONSchema = {
  type: "object",
  properties: {
    resource: {
      type: "string",
      description: "URN or logical name of the exempted resource.",
    },
    reason: {
      type: "string",
      minLength: MIN_REASON_LENGTH,
      description: "Why this resource may break the rule (kept in the pack config for review).",
    },
  },
  required: ["resource", "reason"],
  additionalProperties: false,
};

export function ruleConfigSchema(
  extra: Record<string, PolicyConfigJSONSchema> = {},
): PolicyConfigSchema {
  return {
    properties: {
      cohortTagKey: {
        type: "string",
        default: COHORT_TAG_KEY,
        minLength: 1,
        description:
          "Tag / label key that names a resource's cohort (Cloudflare: `<key>:<cohort>`).",
      },
      cohorts: {
        type: "array",
        items: { type: "string" },
        description: "If set, the only cohort names that count as known markers.",
      },
      cohortHeader: {
        type: "string",
        default: "x-customer-cohort",
        description: "Request header whose value selects the cohort in routing rules.",
      },
      exemptions: { type: "array", items: exemptionJsonSchema, default: [] },
      ...extra,
    },
  };
}

const exemptionSchema = z
  .object({
    resource: z.string().min(1),
    reason: z
      .string()
      .trim()
      .min(
        MIN_REASON_LENGTH,
        `an exemption needs a reason of at least ${MIN_REASON_LENGTH} characters`,
      ),
  })
  .strict();

export const ruleConfigZod = z
  .object({
    cohortTagKey: z.string().min(1).default(COHORT_TAG_KEY),
    cohorts: z.array(z.string()).optional(),
    cohortHeader: z.string().min(1).default("x-customer-cohort"),
    exemptions: z.array(exemptionSchema).default([]),
    extraStorageTypes: z.array(z.string().min(1)).default([]),
  })
  .strict();

export type RuleConfig = z.infer<typeof ruleConfigZod>;
export type Exemption = z.infer<typeof exemptionSchema>;

export type ParsedConfig = { ok: true; config: RuleConfig } | { ok: false; problems: string[] };

/** Parses a rule's config; every problem is reported with its path, none is thrown. */
export function parseRuleConfig(raw: unknown): ParsedConfig {
  const result = ruleConfigZod.safeParse(raw ?? {});
  if (result.success) return { ok: true, config: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`),
  };
}
