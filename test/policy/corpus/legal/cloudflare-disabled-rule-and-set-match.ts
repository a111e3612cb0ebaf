import { cloudflareTwoCohorts } from "../baseline/cloudflare.js";
import type { LegalCase } from "../shapes.js";

export const legal: LegalCase = {
  why: 'A disabled leftover rule that would cross cohorts routes nothing, and a set match `in {"pro"}` on the cohort header is an exact match of one cohort.',
  platform: "cloudflare",
  program: () => {
    cloudflareTwoCohorts([
      {
        ref: "old_free_to_pro_migration",
        enabled: false,
        expression: `http.host eq "api.example.com" and http.request.headers["x-customer-cohort"][0] eq "free"`,
        origin: "origin-pro.example.com",
      },
      {
        ref: "cohort_pro_set",
        expression: `http.host eq "eu.example.com" and http.request.headers["x-customer-cohort"][0] in {"pro"}`,
        origin: "origin-pro.example.com",
      },
    ]);
  },
};
