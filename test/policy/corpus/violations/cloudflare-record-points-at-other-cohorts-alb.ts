import * as aws from "@pulumi/aws";
import * as cloudflare from "@pulumi/cloudflare";
import { cloudflareCohortTag, cohortTags } from "../../../../components/identity.js";
import { ZONE_ID } from "../baseline/cloudflare.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "routes-stay-in-cohort", resource: "free-hostname" },
  platform: "cloudflare",
  program: () => {
    // Hostname-per-cohort routing, each cohort with a dedicated ALB.
    const albs = ["free", "pro"].map(
      (c) =>
        new aws.lb.LoadBalancer(`${c}-alb`, {
          name: `svc-dev-${c}-alb`,
          loadBalancerType: "application",
          subnets: ["subnet-a", "subnet-b"],
          tags: cohortTags(c),
        }),
    );
    new cloudflare.DnsRecord("free-hostname", {
      zoneId: ZONE_ID,
      name: "free.api.example.com",
      type: "CNAME",
      content: albs[1]?.dnsName ?? "",
      ttl: 1,
      proxied: true,
      tags: [cloudflareCohortTag("free")],
    });
    new cloudflare.DnsRecord("pro-hostname", {
      zoneId: ZONE_ID,
      name: "pro.api.example.com",
      type: "CNAME",
      content: albs[1]?.dnsName ?? "",
      ttl: 1,
      proxied: true,
      tags: [cloudflareCohortTag("pro")],
    });
  },
};
