/**
 * The Cloudflare edge in front of Kubernetes cohorts: stacks/environments/examples/
 * cloudflare-k8s.yaml driven through the example program (stacks/program.ts, which reads
 * the file's `kubernetes`, `cloudflare` and `environment` keys) under Pulumi's mocks. Each
 * cohort's proxied hostname and Worker route entry reach only its own origin: the shared
 * Gateway's address, under the hostname its own HTTPRoute (and no other) matches; one Ruleset
 * per zone and phase; no AWS resource but the cohorts' alarms; the shared-nothing pack passes.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { CohortSpecError } from "../../components/errors.js";
import { loadEnvironmentFile } from "../../stacks/environment.js";
import { PROJECT, runProgram, type ProgramOutputs } from "../../stacks/program.js";
import { recordProgram, type RecordedResource } from "../policy/support/recorder.js";
import { runPack, type PackRun } from "../policy/support/run-pack.js";

const FILE = "examples/cloudflare-k8s";
const COHORTS = ["free", "pro"] as const;
const GATEWAY = "203.0.113.10";
const PIN = { release: "r1", version: "1.0.0", config: {} };

const T = {
  record: "cloudflare:index/dnsRecord:DnsRecord",
  kv: "cloudflare:index/workersKv:WorkersKv",
  ruleset: "cloudflare:index/ruleset:Ruleset",
  route: "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
};

interface StackOptions {
  /** The stack's own config (namespace cohort-service), besides `environment`. */
  config: Record<string, string>;
  /** An inline environment file instead of the example's. */
  environment?: unknown;
  /** The edge stack's resolved `edge` export, served to a cohort stack's StackReference. */
  edge?: Record<string, unknown>;
}

/** One stack of the example through the example program: its records and its `edge` export. */
async function recordStack(
  stack: string,
  options: StackOptions,
): Promise<{ records: RecordedResource[]; edge: Record<string, unknown> | undefined }> {
  let outputs: ProgramOutputs | undefined;
  const config = { environment: FILE, ...options.config };
  const records = await recordProgram(
    () => {
      const environment = options.environment;
      outputs = runProgram(environment === undefined ? {} : { loadEnvironment: () => environment });
    },
    {
      project: PROJECT,
      stack,
      config: Object.fromEntries(Object.entries(config).map(([k, v]) => [`${PROJECT}:${k}`, v])),
      ...(options.edge !== undefined
        ? { stackOutputs: { [`organization/${PROJECT}/edgekube`]: { edge: options.edge } } }
        : {}),
    },
  );
  const edge = outputs?.edge;
  return {
    records,
    edge:
      edge === undefined
        ? undefined
        : await new Promise((done) => {
            pulumi.output(edge as unknown as Record<string, pulumi.Input<string>>).apply(done);
          }),
  };
}

/** The single stack (edge and every cohort) of the example. */
async function record(environment?: unknown): Promise<RecordedResource[]> {
  const config = {
    part: "all",
    pins: JSON.stringify({ free: PIN, pro: PIN }),
    cloudflareSecret: "cookie-signing-key-for-tests",
  };
  return (await recordStack("edgekube", { config, environment })).records;
}

/** A pack run as one line per violation (and per policy that could not run). */
const describeRun = (run: PackRun) => [
  ...run.violations.map((v) => `${v.policy} ${v.resource ?? ""}`),
  ...run.cantRun,
];

const ofType = (records: RecordedResource[], type: string) =>
  records.filter((r) => r.type === type);

/** The hostnames of each cohort's HTTPRoute, by the cohort owning its namespace. */
function routeHostnames(records: RecordedResource[]): Map<string, string[]> {
  const byCohort = new Map<string, string[]>();
  for (const r of ofType(records, T.route)) {
    const namespace = (r.inputs["metadata"] as { namespace: string }).namespace;
    const spec = r.inputs["spec"] as { hostnames?: string[]; parentRefs: { name: string }[] };
    expect(spec.parentRefs.map((p) => p.name)).toEqual(["public"]);
    byCohort.set(namespace.replace(/^cohort-/, ""), spec.hostnames ?? []);
  }
  return byCohort;
}

describe("examples/cloudflare-k8s.yaml through the example program", () => {
  it("points each cohort's hostname and route entry at its own HTTPRoute's hostname on the Gateway only", async () => {
    const records = await record();
    const routes = routeHostnames(records);
    expect([...routes.keys()].sort()).toEqual([...COHORTS]);

    const dnsRecords = ofType(records, T.record);
    expect(dnsRecords).toHaveLength(COHORTS.length);
    const entries = ofType(records, T.kv);
    expect(entries).toHaveLength(COHORTS.length);
    for (const cohort of COHORTS) {
      const own = routes.get(cohort) ?? [];
      // Its route matches exactly one hostname, which no other cohort's route matches.
      expect(own).toHaveLength(1);
      const [hostname] = own;
      for (const [other, hosts] of routes)
        if (other !== cohort) expect(hosts).not.toContain(hostname);

      const mine = dnsRecords.filter(
        (r) => (r.inputs["tags"] as string[] | undefined)?.includes(`cohort:${cohort}`) === true,
      );
      expect(mine.map((r) => r.inputs)).toEqual([
        expect.objectContaining({ name: hostname, type: "A", content: GATEWAY, proxied: true }),
      ]);

      const entry = entries.filter((e) => e.inputs["keyName"] === `cohort:${cohort}`);
      expect(entry).toHaveLength(1);
      expect(JSON.parse(String(entry[0]?.inputs["value"]))).toEqual({
        cohort,
        origin: `https://${hostname}`,
      });
    }
  });

  it("in one stack per part: the Worker in the edge stack, each cohort's hostname and route entry in its own", async () => {
    const edge = await recordStack("edgekube", {
      config: { part: "edge", cloudflareSecret: "cookie-signing-key-for-tests" },
    });
    const namespaceId = edge.edge?.["routesNamespaceId"];
    expect(typeof namespaceId).toBe("string");
    const shared = edge.records.filter((r) => r.type.startsWith("cloudflare:"));
    expect(shared.filter((r) => r.type === T.record || r.type === T.kv)).toEqual([]);
    expect(shared.map((r) => r.type)).toContain("cloudflare:index/workersScript:WorkersScript");
    expect(describeRun(await runPack(edge.records))).toEqual([]);

    for (const cohort of COHORTS) {
      const { records } = await recordStack(`edgekube.${cohort}`, {
        config: { part: "cohort", cohort, pin: JSON.stringify(PIN) },
        edge: edge.edge ?? {},
      });
      const cloudflare = records.filter((r) => r.type.startsWith("cloudflare:"));
      expect(cloudflare.map((r) => r.type).sort()).toEqual([T.record, T.kv].sort());
      expect(routeHostnames(records)).toEqual(new Map([[cohort, [`${cohort}.api.example.com`]]]));
      expect(ofType(records, T.record)[0]?.inputs).toMatchObject({
        name: `${cohort}.api.example.com`,
        content: GATEWAY,
      });
      expect(ofType(records, T.kv)[0]?.inputs).toMatchObject({
        keyName: `cohort:${cohort}`,
        namespaceId,
      });
      expect(describeRun(await runPack(records))).toEqual([]);
    }
  });

  it("has one Ruleset per zone and phase, and no AWS resource but the cohorts' alarms", async () => {
    const records = await record();
    const rulesets = ofType(records, T.ruleset).map(
      (r) => `${String(r.inputs["zoneId"])}/${String(r.inputs["phase"])}`,
    );
    // Worker routing's cache-safety Ruleset: the zone's one entry point for its phase.
    expect(rulesets.length).toBeGreaterThan(0);
    expect(new Set(rulesets).size).toBe(rulesets.length);

    // `kubernetes.alarms` is not `external`: the component creates each cohort's CloudWatch
    // alarms (Container Insights), and nothing else on AWS (no load balancer, no network).
    const aws = records.filter((r) => r.custom && r.type.startsWith("aws:"));
    expect([...new Set(aws.map((r) => r.type))].sort()).toEqual([
      "aws:cloudwatch/compositeAlarm:CompositeAlarm",
      "aws:cloudwatch/metricAlarm:MetricAlarm",
    ]);
    expect(aws.map((r) => String(r.inputs["name"] ?? r.inputs["alarmName"])).sort()).toEqual([
      "cohort-edgekube-free-health",
      "cohort-edgekube-free-restarts",
      "cohort-edgekube-free-running-pods",
      "cohort-edgekube-pro-health",
      "cohort-edgekube-pro-restarts",
      "cohort-edgekube-pro-running-pods",
    ]);
  });

  it("passes the shared-nothing pack, which catches a route entry sent to another cohort's hostname", async () => {
    const records = await record();
    expect(describeRun(await runPack(records))).toEqual([]);

    const broken = structuredClone(records);
    const entry = broken.find((r) => r.type === T.kv && r.inputs["keyName"] === "cohort:free");
    if (entry === undefined) throw new Error("no route entry for free");
    for (const side of [entry.inputs, entry.state]) {
      side["value"] = JSON.stringify({ cohort: "free", origin: "https://pro.api.example.com" });
    }
    expect(describeRun(await runPack(broken))).toEqual([
      `cloudflare-edge-stays-in-cohort ${entry.name}`,
    ]);
  });

  it("reports a cohort whose hosts are another cohort's hostname, and a missing kubernetes key, at their paths in the file", async () => {
    const file = loadEnvironmentFile(FILE) as {
      environment: { cohorts: { match: { hosts: string[] } }[] };
      kubernetes?: unknown;
    };
    const broken = structuredClone(file);
    const free = broken.environment.cohorts[0];
    if (free === undefined) throw new Error("the example has no cohort");
    free.match.hosts = ["pro.api.example.com"];
    delete broken.kubernetes;
    const error = await record(broken).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CohortSpecError);
    expect((error as CohortSpecError).problems.map((p) => p.path)).toEqual(
      expect.arrayContaining([
        `environment/${FILE}:environment.cohorts[0].match.hosts[0]`,
        `environment/${FILE}:kubernetes`,
      ]),
    );
  });
});
