import * as cloudflare from "@pulumi/cloudflare";
import { cloudflareCohortTag } from "../../../../components/identity.js";
import { cloudflareTwoCohorts, ZONE_ID } from "../baseline/cloudflare.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "routes-stay-in-cohort", resource: "pro-hostname" },
  platform: "cloudflare",
  program: () => {
    cloudflareTwoCohorts();
    // pro's hostname, owned (and rolled out) as part of free.
    new cloudflare.DnsRecord("pro-hostname", {
      zoneId: ZONE_ID,
      name: "pro.api.example.com",
      type: "CNAME",
      content: "origin-pro.example.com",
      ttl: 1,
      proxied: true,
      tags: [cloudflareCohortTag("free")],
    });
  },
};
