/**
 * Negative controls: the invariant checks must fail on graphs that break an
 * invariant, or the green results elsewhere would mean nothing. Each case
 * tampers with one recorded input of the real dev graph.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ResourceGraph, type RecordedResource } from "./support/graph-recorder.js";
import { exampleEnvironment } from "./support/example-environments.js";
import { allViolations } from "./support/invariants.js";
import { runExampleStack, type StackRun } from "./support/program-runner.js";

const env = exampleEnvironment("dev");
let dev: StackRun;

beforeAll(async () => {
  dev = await runExampleStack("dev");
});

function tampered(
  edit: (byName: (name: string) => RecordedResource) => void,
  extra: RecordedResource[] = [],
) {
  const copy = structuredClone<RecordedResource[]>([...dev.graph.resources]);
  const byName = (name: string) => {
    const r = copy.find((x) => x.name === name);
    if (r === undefined) throw new Error(`no resource ${name}`);
    return r;
  };
  edit(byName);
  return new ResourceGraph([...copy, ...extra]);
}

function violations(graph: ResourceGraph): string[] {
  return allViolations(graph, {
    environment: env.name,
    headerName: env.headerName,
    cohorts: env.cohorts,
    owned: env.cohorts.map((c) => c.name),
    exported: dev.outputs.cohorts,
  });
}

const arn = (type: string, name: string) => `arn:sentinel:${type.replaceAll("/", ".")}/${name}`;
const TABLE = "aws:dynamodb/table:Table";

describe("the invariant checks catch", () => {
  it("nothing on the untouched graph", () => {
    expect(violations(dev.graph)).toEqual([]);
  });

  it("a resource tagged with another cohort", () => {
    const g = tampered((r) => (r("service-free-table").inputs.tags = { cohort: "pro" }));
    expect(violations(g).join("\n")).toMatch(/service-free-table: tags/);
  });

  it("a resource with both a cohort and the ingress marker", () => {
    const g = tampered(
      (r) => (r("service-edge-lb").inputs.tags = { cohort: "free", "cohort-ingress": "shared" }),
    );
    expect(violations(g).join("\n")).toMatch(/service-edge-lb: tags/);
  });

  it("a task policy with a wildcard, a prefix wildcard, or another cohort's table", () => {
    for (const resource of [
      "*",
      "arn:sentinel:aws:dynamodb.table:Table/service-*",
      arn(TABLE, "service-pro-table"),
    ]) {
      const g = tampered((r) => {
        const p = r("service-free-task-policy");
        const doc = JSON.parse(String(p.inputs.policy)) as { Statement: { Resource: unknown }[] };
        doc.Statement[0].Resource = [resource];
        p.inputs.policy = JSON.stringify(doc);
      });
      expect(violations(g).join("\n"), resource).toMatch(/service-free-task-policy/);
    }
  });

  it("a bucket policy that admits another cohort's task role", () => {
    const g = tampered((r) => {
      const p = r("service-pro-bucket-policy");
      p.inputs.policy = String(p.inputs.policy).replace(
        arn("aws:iam/role:Role", "service-pro-task-role"),
        arn("aws:iam/role:Role", "service-free-task-role"),
      );
    });
    expect(violations(g).join("\n")).toMatch(
      /service-pro-bucket-policy \(cohort pro\) uses .*service-free-task-role/,
    );
  });

  it("a listener rule forwarding to another cohort's target group", () => {
    const g = tampered((r) => {
      (r("service-free-rule").inputs.actions as { targetGroupArn: string }[])[0].targetGroupArn =
        arn("aws:lb/targetGroup:TargetGroup", "service-pro-tg");
    });
    expect(violations(g).join("\n")).toMatch(
      /service-free-rule \(cohort free\) forwards to .*service-pro-tg/,
    );
  });

  it("a rule evaluated after another rule that takes its requests", () => {
    // enterprise's rule narrowed to one host with free's header value: free's header-only rule,
    // evaluated first, takes every request enterprise's rule matches.
    const g = tampered((r) => {
      const rule = r("service-enterprise-rule");
      rule.inputs.priority = 49_999;
      rule.inputs.conditions = [
        { hostHeader: { values: ["api.example.com"] } },
        { httpHeader: { httpHeaderName: "x-customer-cohort", values: ["free"] } },
      ];
    });
    expect(violations(g).join("\n")).toMatch(
      /service-enterprise-rule: requests it matches reach .*service-free-rule first/,
    );
  });

  it("a shared default action that forwards to a cohort", () => {
    const g = tampered((r) => {
      r("service-edge-https").inputs.defaultActions = [
        {
          type: "forward",
          targetGroupArn: arn("aws:lb/targetGroup:TargetGroup", "service-free-tg"),
        },
      ];
    });
    expect(violations(g).join("\n")).toMatch(/shared default action forwards/);
  });

  it("a shared default action that answers 200 instead of 404", () => {
    const g = tampered((r) => {
      const actions = r("service-edge-https").inputs.defaultActions as {
        fixedResponse: { statusCode: string };
      }[];
      actions[0].fixedResponse.statusCode = "200";
    });
    expect(violations(g).join("\n")).toMatch(/default action is not a fixed 404 response/);
  });

  it("an alarm with TargetGroup but no LoadBalancer, or on another cohort's target group", () => {
    const noLb = tampered((r) => {
      const dims = r("service-free-latency-p99").inputs.dimensions as Record<string, string>;
      delete dims.LoadBalancer;
    });
    expect(violations(noLb).join("\n")).toMatch(/latency-p99: LoadBalancer dimension/);
    const foreign = tampered((r) => {
      const dims = r("service-free-latency-p99").inputs.dimensions as Record<string, string>;
      dims.TargetGroup = `sfx:sentinel:aws:lb.targetGroup:TargetGroup/service-pro-tg`;
    });
    expect(violations(foreign).join("\n")).toMatch(/TargetGroup dimension is not cohort free/);
  });

  it("an environment value naming another cohort's table", () => {
    const g = tampered((r) => {
      const task = r("service-free-task");
      task.inputs.containerDefinitions = String(task.inputs.containerDefinitions).replace(
        "svc-dev-free-data",
        "svc-dev-pro-data",
      );
    });
    expect(violations(g).join("\n")).toMatch(/names "svc-dev-pro-data" of cohort pro/);
  });

  it("a duplicate URN", () => {
    const dup = dev.graph.resources.find((r) => r.name === "service-free-table")!;
    const g = tampered(() => undefined, [structuredClone(dup)]);
    expect(violations(g).join("\n")).toMatch(/duplicate URN/);
  });

  it("a resource outside any cohort or the edge", () => {
    const g = tampered((r) => (r("service-free-key").parent = ""));
    expect(violations(g).join("\n")).toMatch(/service-free-key: belongs to no cohort/);
  });
});
