import { cohortAlb, cohortLoadBalancer, pool } from "../baseline/cloudflare-load-balancing.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "routes-stay-in-cohort", resource: "shared-pool" },
  platform: "cloudflare",
  program: () => {
    const free = cohortAlb("free");
    const pro = cohortAlb("pro");
    cohortLoadBalancer("free", pool("free-pool", [free]));
    cohortLoadBalancer("pro", pool("pro-pool", [pro]));
    // A "spare capacity" pool over both cohorts' ALBs, not yet used by any load balancer.
    pool("shared-pool", [free, pro]);
  },
};
