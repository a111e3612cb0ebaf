import { cohortAlb, cohortLoadBalancer, pool } from "../baseline/cloudflare-load-balancing.js";
import type { LegalCase } from "../shapes.js";

export const legal: LegalCase = {
  why: "Cloudflare Load Balancing with a hostname per cohort: each load balancer's default and fallback pools are its own cohort's (two pools of the same cohort for failover), so failover never crosses cohorts.",
  platform: "cloudflare",
  program: () => {
    for (const c of ["free", "pro"]) {
      const primary = pool(`${c}-pool`, [cohortAlb(c)]);
      const standby = pool(`${c}-standby-pool`, [cohortAlb(c, `${c}-standby-alb`)]);
      cohortLoadBalancer(c, primary, standby);
    }
  },
};
