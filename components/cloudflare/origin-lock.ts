/**
 * Origins reachable only through Cloudflare (providers.md 3.1, trust warning): security group
 * ingress admitting Cloudflare's published ranges only, instead of 0.0.0.0/0. The ranges are
 * input (https://www.cloudflare.com/ips/, or `cloudflare.getIpRanges()` awaited before the
 * component is built), so a deployment never depends on fetching them; the AWS module passes
 * the result as its load balancer security group's `ingress`.
 */
import type * as aws from "@pulumi/aws";
import { z } from "zod";
import { formatPath, zodProblems, type SpecProblem } from "../errors.js";

const ipv4Cidr = z
  .string()
  .regex(
    /^((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\/([0-9]|[12][0-9]|3[0-2])$/,
    "must be an IPv4 CIDR block such as 173.245.48.0/20",
  );
const ipv6Cidr = z
  .string()
  .regex(
    /^(?=[0-9a-f]*:)[0-9a-f:]+\/([0-9]|[1-9][0-9]|1[01][0-9]|12[0-8])$/i,
    "must be an IPv6 CIDR block such as 2400:cb00::/32",
  );

export const cloudflareRangesSchema = z
  .object({
    /** Cloudflare's published IPv4 ranges. */
    ipv4: z.array(ipv4Cidr).min(1, "give Cloudflare's IPv4 ranges"),
    /** Cloudflare's published IPv6 ranges. @default [] */
    ipv6: z.array(ipv6Cidr).default([]),
  })
  .strict();
export type CloudflareRanges = z.infer<typeof cloudflareRangesSchema>;
/** The ranges as given (`ipv6` may be left out). */
export type CloudflareRangesInput = z.input<typeof cloudflareRangesSchema>;

/** Problems of a ranges input, with `at` prefixed to each path. */
export function cloudflareRangesProblems(raw: unknown, at: readonly PropertyKey[]): SpecProblem[] {
  const parsed = cloudflareRangesSchema.safeParse(raw);
  if (!parsed.success) return zodProblems(at, parsed.error);
  return parsed.data.ipv4.includes("0.0.0.0/0") || parsed.data.ipv6.includes("::/0")
    ? [
        {
          path: formatPath([...at]),
          problem: "admits every address, not Cloudflare's ranges",
          hint: "give Cloudflare's published ranges, https://www.cloudflare.com/ips/",
        },
      ]
    : [];
}

/**
 * Ingress blocks admitting only Cloudflare's ranges on `port`.
 * @param ranges Cloudflare's published ranges (validated with cloudflareRangesProblems).
 * @param port The listener port. @default 443
 */
export function cloudflareOnlyIngress(
  ranges: CloudflareRanges,
  port = 443,
): aws.types.input.ec2.SecurityGroupIngress[] {
  const rules: aws.types.input.ec2.SecurityGroupIngress[] = [
    {
      description: "Cloudflare edge (IPv4) only",
      protocol: "tcp",
      fromPort: port,
      toPort: port,
      cidrBlocks: [...ranges.ipv4],
    },
  ];
  if (ranges.ipv6.length > 0) {
    rules.push({
      description: "Cloudflare edge (IPv6) only",
      protocol: "tcp",
      fromPort: port,
      toPort: port,
      ipv6CidrBlocks: [...ranges.ipv6],
    });
  }
  return rules;
}
