import * as cloudflare from "@pulumi/cloudflare";
import { ZONE_ID } from "../baseline/cloudflare.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "cloudflare-edge-stays-in-cohort", resource: "beta-route" },
  platform: "cloudflare",
  program: () => {
    new cloudflare.WorkersRoute("router-route", {
      zoneId: ZONE_ID,
      pattern: "api.example.com/*",
      script: "svc-dev-cohort-router",
    });
    // A more specific pattern on the same hostname: its script takes /beta from the cohort router.
    new cloudflare.WorkersRoute("beta-route", {
      zoneId: ZONE_ID,
      pattern: "api.example.com/beta/*",
      script: "beta-worker",
    });
  },
};
