import { cloudflareTwoCohorts } from "../baseline/cloudflare.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "routes-stay-in-cohort", resource: "cohort-origin-routing" },
  platform: "cloudflare",
  program: () => {
    // A "default" rule for requests without a cohort header, sending them to free's origin.
    cloudflareTwoCohorts([
      {
        ref: "default_to_free",
        expression: `http.host eq "api.example.com" and not len(http.request.headers["x-customer-cohort"]) > 0`,
        origin: "origin-free.example.com",
      },
    ]);
  },
};
