/**
 * The Cloudflare edge behind the platform seam, under Pulumi's mocks: a CohortSegmentedService
 * with `cloudflare` in front of AWS cohorts and in front of Kubernetes cohorts, built as an edge
 * stack and one stack per cohort. Each cohort's Cloudflare resources are created in that
 * cohort's stack only and point at its own front door; the shared ones (Worker, route-entry
 * namespace) in the edge stack only; bad Cloudflare input joins the one error, nothing registered.
 */
import { describe, expect, it } from "vitest";
import type { CohortSegmentedServiceArgs } from "../../components/args.js";
import { CohortSpecError } from "../../components/errors.js";
import { CohortSegmentedService } from "../../components/service.js";
import { cohort, NETWORK, pin } from "../component/support/args.js";
import {
  GraphRecorder,
  outputValue,
  type RecordedResource,
  type ResourceGraph,
} from "../component/support/graph-recorder.js";
import { KUBERNETES } from "../kubernetes/support/args.js";
import { EXAMPLE } from "./support/environments.js";

const T = {
  record: "cloudflare:index/dnsRecord:DnsRecord",
  kv: "cloudflare:index/workersKv:WorkersKv",
  namespace: "cloudflare:index/workersKvNamespace:WorkersKvNamespace",
  script: "cloudflare:index/workersScript:WorkersScript",
  alb: "aws:lb/loadBalancer:LoadBalancer",
};
const COHORTS = ["free", "pro", "enterprise"] as const;
const GATEWAY_IP = "203.0.113.10";
const HEADER = "x-customer-cohort";

/** A match that recognises what Cloudflare sends: the cohort's own hostname, and its header. */
function behindCloudflare(name: string) {
  return { hosts: [`${name}.api.example.com`], header: name };
}

function baseArgs(platform: "aws" | "kubernetes"): CohortSegmentedServiceArgs {
  return {
    environment: {
      name: "prod",
      platform,
      cohorts: [
        cohort("free", 0, { match: behindCloudflare("free") }),
        cohort("pro", 1, { match: behindCloudflare("pro") }),
        cohort("enterprise", 2, {
          match: behindCloudflare("enterprise"),
          ingress: platform === "aws" ? "dedicated" : "shared",
        }),
      ],
    },
    ...(platform === "aws"
      ? { network: NETWORK }
      : { kubernetes: { ...KUBERNETES, gateway: { address: GATEWAY_IP } } }),
    cloudflare: EXAMPLE.input,
    cloudflareSecret: "cookie-signing-key-for-tests",
  };
}

interface Run {
  graph: ResourceGraph;
  service: CohortSegmentedService;
}

async function run(stack: string, args: CohortSegmentedServiceArgs): Promise<Run> {
  const recorder = new GraphRecorder({ stack }).install();
  const service = new CohortSegmentedService("svc", args);
  return { graph: await recorder.settle(), service };
}

function cloudflare(graph: ResourceGraph): RecordedResource[] {
  return graph.resources.filter((r) => r.type.startsWith("cloudflare:"));
}

/** The cohort stacks of the environment, each built against the edge stack's outputs. */
async function stacks(platform: "aws" | "kubernetes") {
  const edge = await run("prod", { ...baseArgs(platform), part: "edge" });
  const outputs = edge.service.edge ?? {};
  const read = async (key: string): Promise<string> => {
    const value = outputs[key];
    if (value === undefined) throw new Error(`edge stack exports no ${key}`);
    return outputValue(value);
  };
  const routesNamespaceId = await read("routesNamespaceId");
  const edgeReference =
    platform === "aws"
      ? {
          edge: {
            listenerArn: await read("listenerArn"),
            loadBalancerArnSuffix: await read("loadBalancerArnSuffix"),
            securityGroupId: await read("securityGroupId"),
            dnsName: await read("dnsName"),
          },
        }
      : {};
  const cohorts = new Map<string, Run>();
  for (const name of COHORTS) {
    const { cloudflareSecret: _omitted, ...rest } = baseArgs(platform);
    cohorts.set(
      name,
      await run(`prod.${name}`, {
        ...rest,
        ...edgeReference,
        part: "cohort",
        cohort: name,
        pins: { [name]: pin() },
        cloudflareRoutesNamespaceId: routesNamespaceId,
      }),
    );
  }
  return { edge, routesNamespaceId, cohorts };
}

describe.each(["aws", "kubernetes"] as const)(
  "a Cloudflare edge in front of %s cohorts",
  (platform) => {
    it("creates shared parts in the edge stack only and each cohort's in its own stack only", async () => {
      const { edge, routesNamespaceId, cohorts } = await stacks(platform);

      // Edge stack: the Worker and its namespace, no cohort's record or route entry.
      const shared = cloudflare(edge.graph);
      expect(shared.map((r) => r.type).sort()).toEqual(
        expect.arrayContaining([T.namespace, T.script]),
      );
      expect(shared.filter((r) => r.type === T.record || r.type === T.kv)).toEqual([]);
      expect(routesNamespaceId).not.toBe("");

      for (const [name, cohortRun] of cohorts) {
        const own = cloudflare(cohortRun.graph);
        // Only this cohort's record and route entry: nothing shared, nothing of another cohort.
        expect(own.map((r) => r.type).sort()).toEqual([T.record, T.kv].sort());
        for (const r of own) expect(r.name.startsWith(`svc-${name}-cf`)).toBe(true);
        const record = own.find((r) => r.type === T.record);
        expect(record?.inputs["name"]).toBe(`${name}.api.example.com`);
        // Its own front door: its own ALB (dedicated), the shared edge ALB, or the Gateway's IP.
        if (platform === "kubernetes") {
          expect(record?.inputs).toMatchObject({ type: "A", content: GATEWAY_IP });
        } else {
          expect(record?.inputs["type"]).toBe("CNAME");
          const albs = cohortRun.graph.ofType(T.alb);
          if (name === "enterprise") {
            expect(albs).toHaveLength(1);
            expect(record?.inputs["content"]).toBe(albs[0]?.outputs["dnsName"]);
          } else {
            expect(albs).toEqual([]);
            const edgeAlb = edge.graph.ofType(T.alb)[0];
            expect(record?.inputs["content"]).toBe(edgeAlb?.outputs["dnsName"]);
          }
        }
        const entry = own.find((r) => r.type === T.kv);
        expect(entry?.inputs["namespaceId"]).toBe(routesNamespaceId);
        const outputs = await outputValue(cohortRun.service.cohorts);
        // Header-matched cohorts behind a shared front door still name their header.
        const header = platform === "kubernetes" || name !== "enterprise";
        expect(outputs[name]?.endpoint).toBe(
          `https://${name}.api.example.com${header ? ` (header ${HEADER}: ${name})` : ""}`,
        );
      }
    });

    it("joins bad Cloudflare input to the one error and registers nothing", async () => {
      const recorder = new GraphRecorder({ stack: "prod" }).install();
      const { cloudflareSecret: _omitted, ...withoutSecret } = baseArgs(platform);
      const args: CohortSegmentedServiceArgs = {
        ...withoutSecret,
        part: "all",
        pins: { free: pin(), pro: pin(), enterprise: pin() },
        cloudflare: {
          ...EXAMPLE.input,
          cohorts: [{ name: "gold" }],
        },
        cloudflareRanges: { ipv4: ["0.0.0.0/0"] },
      };
      if (platform === "kubernetes") args.kubernetes = KUBERNETES;
      let error: unknown;
      try {
        new CohortSegmentedService("svc", args);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(CohortSpecError);
      const paths = (error as CohortSpecError).problems.map((p) => p.path);
      expect(paths).toEqual(
        expect.arrayContaining([
          "cloudflare.cohorts[0].name",
          "cloudflareSecret",
          "cloudflareRanges",
          ...(platform === "kubernetes" ? ["kubernetes.gateway.address"] : []),
        ]),
      );
      await recorder.settle();
      expect(recorder.registrations).toBe(0);
    });
  },
);

describe("AWS origins behind Cloudflare with its ranges", () => {
  const SG = "aws:ec2/securityGroup:SecurityGroup";
  const ranges = { ipv4: ["173.245.48.0/20", "103.21.244.0/22"], ipv6: ["2400:cb00::/32"] };

  async function loadBalancerIngress(args: CohortSegmentedServiceArgs): Promise<unknown[]> {
    const { graph } = await run("prod", {
      ...args,
      part: "all",
      pins: { free: pin(), pro: pin(), enterprise: pin() },
    });
    // The shared edge's and the dedicated cohort's load balancer security groups.
    const groups = graph.ofType(SG).filter((r) => r.name.endsWith("-lb-sg"));
    expect(groups.map((g) => g.name).sort()).toEqual(["svc-edge-lb-sg", "svc-enterprise-lb-sg"]);
    return groups.map((g) => g.inputs["ingress"]);
  }

  it("admits only Cloudflare's ranges on every load balancer", async () => {
    for (const ingress of await loadBalancerIngress({
      ...baseArgs("aws"),
      cloudflareRanges: ranges,
    })) {
      expect(ingress).toEqual([
        expect.objectContaining({ fromPort: 443, cidrBlocks: ranges.ipv4 }),
        expect.objectContaining({ fromPort: 443, ipv6CidrBlocks: ranges.ipv6 }),
      ]);
    }
  });

  it("keeps HTTPS from anywhere without ranges", async () => {
    for (const ingress of await loadBalancerIngress(baseArgs("aws"))) {
      expect(ingress).toEqual([expect.objectContaining({ cidrBlocks: ["0.0.0.0/0"] })]);
    }
  });
});
