/** Security group ingress limited to Cloudflare's published ranges, given as input. */
import { describe, expect, it } from "vitest";
import {
  cloudflareOnlyIngress,
  cloudflareRangesProblems,
  cloudflareRangesSchema,
} from "../../components/cloudflare/origin-lock.js";

const RANGES = { ipv4: ["173.245.48.0/20", "103.21.244.0/22"], ipv6: ["2400:cb00::/32"] };

describe("origin lock", () => {
  it("admits only the given ranges on the listener port, IPv4 and IPv6", () => {
    const rules = cloudflareOnlyIngress(cloudflareRangesSchema.parse(RANGES), 443);
    expect(rules).toEqual([
      expect.objectContaining({
        protocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrBlocks: RANGES.ipv4,
      }),
      expect.objectContaining({
        protocol: "tcp",
        fromPort: 443,
        toPort: 443,
        ipv6CidrBlocks: RANGES.ipv6,
      }),
    ]);
    expect(JSON.stringify(rules)).not.toContain("0.0.0.0/0");
  });

  it("refuses malformed ranges and ranges that admit everyone, naming each path", () => {
    expect(cloudflareRangesProblems(RANGES, ["cloudflareRanges"])).toEqual([]);
    const bad = cloudflareRangesProblems({ ipv4: ["173.245.48.0/33", "x"], ipv6: ["10.0.0.0/8"] }, [
      "cloudflareRanges",
    ]);
    expect(bad.map((p) => p.path)).toEqual([
      "cloudflareRanges.ipv4[0]",
      "cloudflareRanges.ipv4[1]",
      "cloudflareRanges.ipv6[0]",
    ]);
    const open = cloudflareRangesProblems({ ipv4: ["0.0.0.0/0"] }, ["cloudflareRanges"]);
    expect(open[0]?.problem).toContain("admits every address");
  });
});
