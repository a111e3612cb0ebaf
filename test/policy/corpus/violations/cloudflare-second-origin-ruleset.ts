import { cloudflareTwoCohorts, cohortRule, originRecord } from "../baseline/cloudflare.js";
import * as cloudflare from "@pulumi/cloudflare";
import { ZONE_ID } from "../baseline/cloudflare.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "cloudflare-edge-stays-in-cohort", resource: "enterprise-origin-routing" },
  platform: "cloudflare",
  program: () => {
    cloudflareTwoCohorts();
    originRecord("enterprise");
    // A second entry point for the same zone and phase: it replaces (or fights) the first.
    const rule = cohortRule("enterprise");
    new cloudflare.Ruleset("enterprise-origin-routing", {
      zoneId: ZONE_ID,
      kind: "zone",
      phase: "http_request_origin",
      name: "enterprise origin routing",
      rules: [
        {
          ref: rule.ref,
          enabled: true,
          action: "route",
          expression: rule.expression,
          actionParameters: {
            origin: { host: rule.origin },
            hostHeader: rule.origin,
            sni: { value: rule.origin },
          },
        },
      ],
    });
  },
};
