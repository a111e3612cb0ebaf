import * as aws from "@pulumi/aws";
import * as cloudflare from "@pulumi/cloudflare";
import { cohortAlb, pool } from "../baseline/cloudflare-load-balancing.js";
import { ZONE_ID } from "../baseline/cloudflare.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "cloudflare-edge-stays-in-cohort", resource: "shared-lb" },
  platform: "cloudflare",
  program: () => {
    // The shared hostname's default is a maintenance page of no cohort (legal) ...
    const maintenance = new aws.lb.LoadBalancer("maintenance-alb", {
      name: "svc-dev-maintenance",
      loadBalancerType: "application",
      subnets: ["subnet-a", "subnet-b"],
    });
    const fallback = pool("maintenance-pool", [maintenance]);
    const freePool = pool("free-pool", [cohortAlb("free")]);
    const proPool = pool("pro-pool", [cohortAlb("pro")]);
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
          // ... but this "beta" rule selects no cohort and sends its traffic to pro's pool.
          name: "beta",
          priority: 2,
          condition: 'starts_with(http.request.uri.path, "/beta")',
          terminates: true,
          overrides: { defaultPools: [proPool.id] },
        },
      ],
    });
  },
};
