/**
 * The example program (stacks/program.ts) driven by stacks/environments/examples/cloudflare.yaml
 * under Pulumi's mocks: the file's `cloudflare` and `cloudflareRanges` reach the component (each
 * cohort's proxied hostname, Cloudflare-only load balancers), Worker routing reads its secret
 * from config and the route namespace from the edge stack, and a problem in the file's
 * Cloudflare args is reported at its path in that file.
 */
import { describe, expect, it } from "vitest";
import { CohortSpecError } from "../../components/errors.js";
import { loadEnvironmentFile } from "../../stacks/environment.js";
import { PROJECT } from "../../stacks/program.js";
import { runExampleStack } from "../component/support/program-runner.js";

const FILE = "examples/cloudflare";

/** A stack's config for the example environment (AWS networking, as the prod stacks have). */
function stackConfig(extra: Record<string, unknown>): Record<string, string> {
  const config: Record<string, unknown> = {
    environment: FILE,
    vpcId: "vpc-0a1b2c3d4e5f67890",
    subnetIds: ["subnet-0aaa1111bbbb2222c", "subnet-0ddd3333eeee4444f"],
    certificateArn:
      "arn:aws:acm:eu-west-1:111122223333:certificate/00000000-0000-0000-0000-000000000000",
    ...extra,
  };
  return {
    "aws:region": "eu-west-1",
    ...Object.fromEntries(
      Object.entries(config).map(([k, v]) => [
        `${PROJECT}:${k}`,
        typeof v === "string" ? v : JSON.stringify(v),
      ]),
    ),
  };
}

const PIN = { release: "r1", version: "1.0.0", config: {} };
const PINS = { free: PIN, pro: PIN, enterprise: PIN };

/** The example file with its Cloudflare edge changed (an inline environment for the program). */
function exampleWith(cloudflare: Record<string, unknown>): unknown {
  const file = loadEnvironmentFile(FILE) as { cloudflare: Record<string, unknown> };
  return { ...file, cloudflare: { ...file.cloudflare, ...cloudflare } };
}

describe("the example program with examples/cloudflare.yaml", () => {
  it("builds each cohort's proxied hostname and Cloudflare-only load balancers from the file", async () => {
    const run = await runExampleStack("edgedemo", {
      baseConfig: stackConfig({ part: "all", pins: PINS }),
    });
    const records = run.graph.ofType("cloudflare:index/dnsRecord:DnsRecord");
    expect(records.map((r) => [r.inputs["name"], r.inputs["proxied"]]).sort()).toEqual([
      ["enterprise.api.example.com", true],
      ["free.api.example.com", true],
      ["pro.api.example.com", true],
    ]);
    const groups = run.graph
      .ofType("aws:ec2/securityGroup:SecurityGroup")
      .filter((r) => r.name.endsWith("-lb-sg"));
    expect(groups).toHaveLength(2);
    for (const g of groups) {
      const ingress = JSON.stringify(g.inputs["ingress"]);
      expect(ingress).toContain("173.245.48.0/20");
      expect(ingress).not.toContain("0.0.0.0/0");
    }
    expect(run.outputs.cohorts["free"]?.endpoint).toContain("free.api.example.com");
  });

  it("with Worker routing: the edge stack's Worker gets the config secret, each cohort's route entry the edge's namespace", async () => {
    const environment = exampleWith({
      routing: "worker",
      cohortSource: { kind: "signed-cookie" },
    });
    const edge = await runExampleStack("edgedemo", {
      environment,
      baseConfig: stackConfig({ part: "edge", cloudflareSecret: "cookie-signing-key" }),
    });
    const [script] = edge.graph.ofType("cloudflare:index/workersScript:WorkersScript");
    expect(JSON.stringify(script?.inputs["bindings"])).toContain("cookie-signing-key");
    const namespaceId = edge.outputs.edge?.["routesNamespaceId"];
    expect(namespaceId).toBeTruthy();
    const free = await runExampleStack("edgedemo.free", {
      environment,
      edgeOutputs: edge.outputs,
      baseConfig: stackConfig({ part: "cohort", cohort: "free", pin: PIN }),
    });
    const entries = free.graph.ofType("cloudflare:index/workersKv:WorkersKv");
    expect(entries.map((e) => [e.inputs["keyName"], e.inputs["namespaceId"]])).toEqual([
      ["cohort:free", namespaceId],
    ]);
  });

  it("reports problems of the file's Cloudflare args at their path in the file, and a missing secret as a config key", async () => {
    const run = runExampleStack("edgedemo", {
      environment: {
        ...(exampleWith({ routing: "worker", hostname: "api.example.org" }) as object),
        cloudflareRnages: {},
      },
      baseConfig: stackConfig({ part: "edge" }),
    });
    const error = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CohortSpecError);
    const paths = (error as CohortSpecError).problems.map((p) => p.path);
    const source = `environment/${FILE}`;
    expect(paths).toEqual(
      expect.arrayContaining([
        `${source}:cloudflare.hostname`,
        `${source}:cloudflare.cohortSource`,
        `${source}:cloudflareRnages`,
        `${PROJECT}:cloudflareSecret`,
      ]),
    );
  });
});
