import * as cloudflare from "@pulumi/cloudflare";
import { cohortAlb, pool } from "../baseline/cloudflare-load-balancing.js";
import { ZONE_ID } from "../baseline/cloudflare.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "cloudflare-edge-stays-in-cohort", resource: "free-lb" },
  platform: "cloudflare",
  program: () => {
    const freePool = pool("free-pool", [cohortAlb("free")]);
    const proPool = pool("pro-pool", [cohortAlb("pro")]);
    // Default and fallback are free's own, but free's customers in Western Europe go to pro.
    new cloudflare.LoadBalancer("free-lb", {
      zoneId: ZONE_ID,
      name: "free.api.example.com",
      defaultPools: [freePool.id],
      fallbackPool: freePool.id,
      regionPools: { WEU: [proPool.id] },
      proxied: true,
      steeringPolicy: "geo",
    });
  },
};
