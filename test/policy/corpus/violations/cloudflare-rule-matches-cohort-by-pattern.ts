import { cloudflareTwoCohorts } from "../baseline/cloudflare.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "routes-stay-in-cohort", resource: "cohort-origin-routing" },
  platform: "cloudflare",
  program: () => {
    // `contains "pro"` also matches "pro-trial", "notpro"...: a client can pick pro's origin.
    cloudflareTwoCohorts([
      {
        ref: "cohort_pro_loose",
        expression: `http.host eq "api.example.com" and http.request.headers["x-customer-cohort"][0] contains "pro"`,
        origin: "origin-pro.example.com",
      },
    ]);
  },
};
