import * as aws from "@pulumi/aws";
import * as cloudflare from "@pulumi/cloudflare";
import { cloudflareCohortTag, cohortTags } from "../../../../components/identity.js";
import { ZONE_ID } from "../baseline/cloudflare.js";
import type { LegalCase } from "../shapes.js";

export const legal: LegalCase = {
  why: "One proxied hostname per cohort (free.api…, pro.api…), each tagged with its cohort and pointing at that cohort's dedicated ALB: hostnames that name cohorts are fine when the tag agrees.",
  platform: "cloudflare",
  program: () => {
    for (const c of ["free", "pro"]) {
      const alb = new aws.lb.LoadBalancer(`${c}-alb`, {
        name: `svc-dev-${c}-alb`,
        loadBalancerType: "application",
        subnets: ["subnet-a", "subnet-b"],
        tags: cohortTags(c),
      });
      new cloudflare.DnsRecord(`${c}-hostname`, {
        zoneId: ZONE_ID,
        name: `${c}.api.example.com`,
        type: "CNAME",
        content: alb.dnsName,
        ttl: 1,
        proxied: true,
        tags: [cloudflareCohortTag(c)],
      });
    }
  },
};
