import * as cloudflare from "@pulumi/cloudflare";
import { cloudflareCohortTag } from "../../../../components/identity.js";
import { cohortAlb } from "../baseline/cloudflare-load-balancing.js";
import { ZONE_ID } from "../baseline/cloudflare.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "cloudflare-edge-stays-in-cohort", resource: "enterprise-hostname" },
  platform: "cloudflare",
  program: () => {
    const alb = cohortAlb("enterprise");
    // DNS-only: the record publishes enterprise's ALB, reachable by anyone with any cohort claim.
    new cloudflare.DnsRecord("enterprise-hostname", {
      zoneId: ZONE_ID,
      name: "enterprise.api.example.com",
      type: "CNAME",
      content: alb.dnsName,
      ttl: 300,
      proxied: false,
      tags: [cloudflareCohortTag("enterprise")],
    });
  },
};
