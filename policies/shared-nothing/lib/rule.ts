import type {
  PolicyConfigSchema,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema.js";
import { markerOf, type Marker } from "./cohort-of.js";
import { parseRuleConfig, ruleConfigSchema, type RuleConfig } from "./config.js";
import { Graph } from "./graph.js";
import { rawProps } from "./unknowns.js";

/** One violation: which resource, and the message (resource, cohorts involved, fix). */
export interface Finding {
  urn: string;
  name: string;
  message: string;
}

export interface RuleMeta {
  name: string;
  description: string;
  /** Extra JSON-Schema properties for this rule's config, on top of the shared ones. */
  extraConfig?: Record<string, PolicyConfigJSONSchema>;
}

function isExempt(cfg: RuleConfig, urn: string, name: string): boolean {
  return cfg.exemptions.some((e) => e.resource === urn || e.resource === name);
}

function configOf(
  name: string,
  getConfig: () => object,
  report: (message: string) => void,
): RuleConfig | undefined {
  const parsed = parseRuleConfig(getConfig());
  if (parsed.ok) return parsed.config;
  report(
    `Invalid configuration for policy "${name}": ${parsed.problems.join("; ")}. ` +
      `Fix: correct the "${name}" entry of the policy pack config (see docs: shared-nothing policy pack).`,
  );
  return undefined;
}

function schemaOf(meta: RuleMeta): PolicyConfigSchema {
  return ruleConfigSchema(meta.extraConfig);
}

/** A rule that needs the whole resource graph (cross-resource checks, preview-safe). */
export function stackRule(
  meta: RuleMeta,
  check: (graph: Graph, cfg: RuleConfig) => Finding[],
): StackValidationPolicy {
  return {
    name: meta.name,
    description: meta.description,
    enforcementLevel: "mandatory",
    configSchema: schemaOf(meta),
    validateStack: (args: StackValidationArgs, reportViolation) => {
      const cfg = configOf(
        meta.name,
        () => args.getConfig<object>(),
        (m) => reportViolation(m),
      );
      if (!cfg) return;
      for (const f of check(new Graph(args.resources, cfg), cfg)) {
        if (!isExempt(cfg, f.urn, f.name)) reportViolation(f.message, f.urn);
      }
    },
  };
}

/** What a resource-level rule sees: the resource alone, raw props, its marker. */
export interface ResourceView {
  urn: string;
  type: string;
  name: string;
  props: Record<string, unknown>;
  marker: Marker;
}

/** A rule that judges one resource on its own inputs (runs as each resource is registered). */
export function resourceRule(
  meta: RuleMeta,
  types: readonly string[],
  check: (resource: ResourceView, cfg: RuleConfig) => string[],
): ResourceValidationPolicy {
  return {
    name: meta.name,
    description: meta.description,
    enforcementLevel: "mandatory",
    configSchema: schemaOf(meta),
    validateResource: (args: ResourceValidationArgs, reportViolation) => {
      if (!types.includes(args.type)) return;
      const cfg = configOf(
        meta.name,
        () => args.getConfig<object>(),
        (m) => reportViolation(m, args.urn),
      );
      if (!cfg || isExempt(cfg, args.urn, args.name)) return;
      const props = rawProps(args.props as Record<string, unknown>);
      const view: ResourceView = {
        urn: args.urn,
        type: args.type,
        name: args.name,
        props,
        marker: markerOf(args.type, props, cfg),
      };
      // The URN is passed explicitly: the analyzer leaves a diagnostic's URN empty otherwise.
      for (const message of check(view, cfg)) reportViolation(message, args.urn);
    },
  };
}
