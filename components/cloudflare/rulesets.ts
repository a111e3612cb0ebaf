/**
 * The zone's entry-point Rulesets the edge owns: a zone has exactly one per phase, so the edge
 * stack creates at most one Ruleset per phase holding every cohort's rule (providers.md 3.3.6);
 * a Ruleset per cohort would collide. Built as plain rule lists first so tests can check them.
 */
import * as cloudflare from "@pulumi/cloudflare";
import type * as pulumi from "@pulumi/pulumi";
import { cohortHeaderExpression, hostExpression } from "./expression.js";
import type { CloudflareEdgeSpec } from "./schema.js";

export const ORIGIN_PHASE = "http_request_origin";
export const CACHE_PHASE = "http_request_cache_settings";

/** A stable rule ref per cohort (kept across updates so rule ids do not churn). */
export function cohortRuleRef(cohort: string): string {
  return `cohort_${cohort.replaceAll("-", "_")}`;
}

/**
 * One Origin Rule per cohort: the shared hostname's requests whose trusted cohort header
 * carries the cohort's identity go to the cohort's own hostname (DNS-record, Host header and
 * SNI overrides: Enterprise). Every rule names one cohort's value and that cohort's hostname
 * only; rules never overlap, so merging cannot carry one cohort's override into another.
 */
export function originRules(spec: CloudflareEdgeSpec): cloudflare.types.input.RulesetRule[] {
  const source = spec.cohortSource;
  if (source?.kind !== "trusted-header") throw new Error("origin rules route on a trusted header");
  return spec.cohorts.map((c) => ({
    ref: cohortRuleRef(c.name),
    description: `cohort=${c.name}`,
    enabled: true,
    action: "route",
    expression: cohortHeaderExpression(spec.hostname, source.headerName, c.identity),
    actionParameters: {
      origin: { host: c.hostname },
      hostHeader: c.hostname,
      sni: { value: c.hostname },
    },
  }));
}

/** Caching off on the shared hostname, so no cohort is served another's cached response. */
export function cacheBypassRules(spec: CloudflareEdgeSpec): cloudflare.types.input.RulesetRule[] {
  return [
    {
      ref: "cohort_shared_hostname_no_cache",
      description: "cohort-routed hostname: responses differ by cohort",
      enabled: true,
      action: "set_cache_settings",
      expression: hostExpression(spec.hostname),
      actionParameters: { cache: false },
    },
  ];
}

export interface ZoneRulesetArgs {
  /** The zone. */
  zoneId: pulumi.Input<string>;
  /** The phase; the edge creates at most one Ruleset per phase. */
  phase: typeof ORIGIN_PHASE | typeof CACHE_PHASE;
  /** The Ruleset's display name. */
  rulesetName: string;
  /** Every cohort's rules. */
  rules: cloudflare.types.input.RulesetRule[];
}

/** @param name Logical name of the Ruleset. */
export function createZoneRuleset(
  name: string,
  args: ZoneRulesetArgs,
  opts: pulumi.CustomResourceOptions,
): cloudflare.Ruleset {
  return new cloudflare.Ruleset(
    name,
    {
      zoneId: args.zoneId,
      kind: "zone",
      phase: args.phase,
      name: args.rulesetName,
      description: "Owned by cohort-segmented-service: do not add rules in the dashboard.",
      rules: args.rules,
    },
    opts,
  );
}
