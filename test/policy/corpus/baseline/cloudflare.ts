import * as cloudflare from "@pulumi/cloudflare";
import { cloudflareCohortTag } from "../../../../components/identity.js";

/**
 * A legal Cloudflare edge: one zone Ruleset (the zone's single owner of the origin phase) with
 * one rule per cohort routing its header match to that cohort's own origin record.
 */
export const ZONE_ID = "0123456789abcdef0123456789abcdef";

export type RuleSpec = { ref: string; expression: string; origin: string; enabled?: boolean };

export function originRecord(
  c: string,
  content = `svc-dev-${c}-alb.us-east-1.elb.amazonaws.com`,
): cloudflare.DnsRecord {
  return new cloudflare.DnsRecord(`origin-${c}`, {
    zoneId: ZONE_ID,
    name: `origin-${c}.example.com`,
    type: "CNAME",
    content,
    ttl: 1,
    proxied: true,
    tags: [cloudflareCohortTag(c)],
  });
}

export function cohortRule(c: string): RuleSpec {
  return {
    ref: `cohort_${c}`,
    expression: `http.host eq "api.example.com" and http.request.headers["x-customer-cohort"][0] eq "${c}"`,
    origin: `origin-${c}.example.com`,
  };
}

export function originRuleset(rules: RuleSpec[]): cloudflare.Ruleset {
  return new cloudflare.Ruleset("cohort-origin-routing", {
    zoneId: ZONE_ID,
    kind: "zone",
    phase: "http_request_origin",
    name: "cohort origin routing",
    rules: rules.map((r) => ({
      ref: r.ref,
      enabled: r.enabled ?? true,
      action: "route",
      expression: r.expression,
      actionParameters: {
        origin: { host: r.origin, port: 443 },
        hostHeader: r.origin,
        sni: { value: r.origin },
      },
    })),
  });
}

export function cloudflareTwoCohorts(extraRules: RuleSpec[] = []): void {
  originRecord("free");
  originRecord("pro");
  originRuleset([cohortRule("free"), cohortRule("pro"), ...extraRules]);
}
