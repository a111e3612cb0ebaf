import { cohortAlb, cohortLoadBalancer, pool } from "../baseline/cloudflare-load-balancing.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "routes-stay-in-cohort", resource: "free-lb" },
  platform: "cloudflare",
  program: () => {
    const freePool = pool("free-pool", [cohortAlb("free")]);
    const proPool = pool("pro-pool", [cohortAlb("pro")]);
    // "For resilience": when free's origins fail, free's customers land on pro's copy.
    cohortLoadBalancer("free", freePool, proPool);
    cohortLoadBalancer("pro", proPool);
  },
};
