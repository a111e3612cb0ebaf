import { cohortRule, originRecord, originRuleset } from "../baseline/cloudflare.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "routes-stay-in-cohort", resource: "cohort-origin-routing" },
  platform: "cloudflare",
  program: () => {
    originRecord("free");
    originRecord("pro");
    // free's header match, pro's origin (host, Host header and SNI).
    originRuleset([{ ...cohortRule("free"), origin: "origin-pro.example.com" }, cohortRule("pro")]);
  },
};
