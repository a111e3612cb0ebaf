import * as aws from "@pulumi/aws";
import * as cloudflare from "@pulumi/cloudflare";
import { cohortAlb, cohortLoadBalancer, pool } from "../baseline/cloudflare-load-balancing.js";
import { ZONE_ID } from "../baseline/cloudflare.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "cloudflare-edge-stays-in-cohort", resource: "shared-lb" },
  platform: "cloudflare",
  previewBlind:
    "a rule's override pools are ids, unknown at preview for new pools; the rules are then judged together, and together they select both cohorts they override to",
  program: () => {
    const maintenance = new aws.lb.LoadBalancer("maintenance-alb", {
      name: "svc-dev-maintenance",
      loadBalancerType: "application",
      subnets: ["subnet-a", "subnet-b"],
    });
    const fallback = pool("maintenance-pool", [maintenance]);
    const freePool = pool("free-pool", [cohortAlb("free")]);
    const proPool = pool("pro-pool", [cohortAlb("pro")]);
    // Each cohort's own hostname uses its own pool (legal, and how the pools' ids are known).
    cohortLoadBalancer("free", freePool);
    cohortLoadBalancer("pro", proPool);
    new cloudflare.LoadBalancer("shared-lb", {
      zoneId: ZONE_ID,
      name: "api.example.com",
      defaultPools: [fallback.id],
      fallbackPool: fallback.id,
      proxied: true,
      // Both cohorts are selected by some rule and both pools are overridden to, so only a
      // judgement per rule sees that each rule sends its cohort to the other cohort's pool.
      rules: [
        {
          name: "free",
          priority: 1,
          condition: 'http.request.headers["x-customer-cohort"][0] eq "free"',
          terminates: true,
          overrides: { defaultPools: [proPool.id], fallbackPool: proPool.id },
        },
        {
          name: "pro",
          priority: 2,
          condition: 'http.request.headers["x-customer-cohort"][0] eq "pro"',
          terminates: true,
          overrides: { defaultPools: [freePool.id], fallbackPool: freePool.id },
        },
      ],
    });
  },
};
