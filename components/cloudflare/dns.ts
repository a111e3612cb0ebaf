/**
 * A cohort's own hostname: one proxied DNS record in the cohort's stack, pointing at that
 * cohort's origin only, tagged and commented with the cohort (providers.md 3.1 D, 3.2).
 */
import * as cloudflare from "@pulumi/cloudflare";
import type * as pulumi from "@pulumi/pulumi";
import { cloudflareCohortTag } from "../identity.js";

export interface CohortHostnameArgs {
  /** The zone the hostname lives in. */
  zoneId: pulumi.Input<string>;
  /** The cohort the record serves; it becomes the record's tag and comment. */
  cohort: string;
  /** The cohort's hostname, e.g. free.api.example.com (validated to be inside the zone). */
  hostname: string;
  /** The cohort's origin: its load balancer's DNS name (CNAME) or address (A/AAAA). */
  origin: pulumi.Input<string>;
  /** Record type matching `origin`. @default "CNAME" */
  type?: "CNAME" | "A" | "AAAA";
}

/** @param name Logical name prefix; the record is `<name>-hostname`. */
export function createCohortHostname(
  name: string,
  args: CohortHostnameArgs,
  opts: pulumi.CustomResourceOptions,
): cloudflare.DnsRecord {
  return new cloudflare.DnsRecord(
    `${name}-hostname`,
    {
      zoneId: args.zoneId,
      name: args.hostname,
      type: args.type ?? "CNAME",
      content: args.origin,
      // 1 = automatic; proxied so the origin's address is never published and only
      // Cloudflare (whose ranges the origin may admit alone) connects to it.
      ttl: 1,
      proxied: true,
      comment: `cohort=${args.cohort}`,
      tags: [cloudflareCohortTag(args.cohort)],
    },
    opts,
  );
}
