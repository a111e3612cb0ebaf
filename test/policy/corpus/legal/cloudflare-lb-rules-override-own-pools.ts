import * as aws from "@pulumi/aws";
import * as cloudflare from "@pulumi/cloudflare";
import { cohortAlb, cohortLoadBalancer, pool } from "../baseline/cloudflare-load-balancing.js";
import { ZONE_ID } from "../baseline/cloudflare.js";
import type { LegalCase } from "../shapes.js";

export const legal: LegalCase = {
  why: "A shared hostname's load balancer whose default is a pool of no cohort, and whose rules each override only to the pool of the cohort that rule's own condition selects (the same pools as each cohort's own hostname).",
  platform: "cloudflare",
  program: () => {
    const maintenance = new aws.lb.LoadBalancer("maintenance-alb", {
      name: "svc-dev-maintenance",
      loadBalancerType: "application",
      subnets: ["subnet-a", "subnet-b"],
    });
    const fallback = pool("maintenance-pool", [maintenance]);
    const freePool = pool("free-pool", [cohortAlb("free")]);
    const proPool = pool("pro-pool", [cohortAlb("pro")]);
    cohortLoadBalancer("free", freePool);
    cohortLoadBalancer("pro", proPool);
    new cloudflare.LoadBalancer("shared-lb", {
      zoneId: ZONE_ID,
      name: "api.example.com",
      defaultPools: [fallback.id],
      fallbackPool: fallback.id,
      proxied: true,
      rules: [
        {
          name: "free",
          priority: 1,
          condition: 'http.request.headers["x-customer-cohort"][0] eq "free"',
          terminates: true,
          overrides: { defaultPools: [freePool.id], fallbackPool: freePool.id },
        },
        {
          name: "pro",
          priority: 2,
          condition: 'http.request.headers["x-customer-cohort"][0] eq "pro"',
          terminates: true,
          overrides: { defaultPools: [proPool.id], fallbackPool: proPool.id },
        },
      ],
    });
  },
};
