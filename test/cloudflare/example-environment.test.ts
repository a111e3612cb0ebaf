/**
 * The example environment behind Cloudflare (stacks/environments/examples/cloudflare.yaml) is
 * valid as a whole and, built under mocks, gives each cohort a proxied hostname that its own
 * load balancer rule matches, with load balancers admitting only the listed ranges.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { CohortSegmentedServiceArgs } from "../../components/args.js";
import { CohortSegmentedService } from "../../components/service.js";
import { loadEnvironmentFile } from "../../stacks/environment.js";
import { NETWORK, pin } from "../component/support/args.js";
import { GraphRecorder } from "../component/support/graph-recorder.js";

const EXAMPLES = fileURLToPath(new URL("../../stacks/environments/examples/", import.meta.url));

function exampleArgs(): CohortSegmentedServiceArgs {
  // The file holds the component's own argument names; the test adds network and pins.
  const file = loadEnvironmentFile("cloudflare", EXAMPLES) as Pick<
    CohortSegmentedServiceArgs,
    "environment" | "cloudflare" | "cloudflareRanges"
  >;
  return {
    ...file,
    part: "all",
    network: NETWORK,
    pins: { free: pin(), pro: pin(), enterprise: pin() },
  };
}

describe("examples/cloudflare.yaml", () => {
  it("builds each cohort's hostname, matched by its own rule, behind Cloudflare-only load balancers", async () => {
    const recorder = new GraphRecorder({ stack: "edgedemo" }).install();
    new CohortSegmentedService("svc", exampleArgs());
    const graph = await recorder.settle();
    const records = graph.ofType("cloudflare:index/dnsRecord:DnsRecord");
    expect(records.map((r) => [r.inputs["name"], r.inputs["proxied"]]).sort()).toEqual([
      ["enterprise.api.example.com", true],
      ["free.api.example.com", true],
      ["pro.api.example.com", true],
    ]);
    // The shared listener's rules match the hostnames Cloudflare forwards.
    const rules = graph.ofType("aws:lb/listenerRule:ListenerRule");
    const hosts = JSON.stringify(rules.map((r) => r.inputs["conditions"]));
    expect(hosts).toContain("free.api.example.com");
    expect(hosts).toContain("pro.api.example.com");
    const groups = graph
      .ofType("aws:ec2/securityGroup:SecurityGroup")
      .filter((r) => r.name.endsWith("-lb-sg"));
    expect(groups).toHaveLength(2);
    for (const g of groups) expect(JSON.stringify(g.inputs["ingress"])).not.toContain("0.0.0.0/0");
  });
});
