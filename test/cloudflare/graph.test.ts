/**
 * The Cloudflare part under Pulumi's mocks, for the example and random environments: each
 * cohort's hostname, rule, route entry and pool reaches only its own origin; the zone has at
 * most one Ruleset per phase; every resource's inputs map onto the official SDK's request
 * payloads; every rule expression is well formed.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { routeEntryKey } from "../../components/cloudflare/hostnames.js";
import { CACHE_PHASE, ORIGIN_PHASE } from "../../components/cloudflare/rulesets.js";
import type { CloudflareEdgeSpec } from "../../components/cloudflare/schema.js";
import { cloudflareCohortTag, COHORT_TAG_KEY } from "../../components/identity.js";
import {
  GraphRecorder,
  type RecordedResource,
  type ResourceGraph,
} from "../component/support/graph-recorder.js";
import {
  buildEnvironment,
  edgeEnvironments,
  EXAMPLE,
  type EdgeEnvironment,
} from "./support/environments.js";
import { parseRuleExpression } from "./support/rule-expression.js";
import { toSdkRequest } from "./support/sdk-payloads.js";

const T = {
  record: "cloudflare:index/dnsRecord:DnsRecord",
  ruleset: "cloudflare:index/ruleset:Ruleset",
  pool: "cloudflare:index/loadBalancerPool:LoadBalancerPool",
  lb: "cloudflare:index/loadBalancer:LoadBalancer",
  kv: "cloudflare:index/workersKv:WorkersKv",
  alb: "aws:lb/loadBalancer:LoadBalancer",
};

async function record(
  env: EdgeEnvironment,
): Promise<{ graph: ResourceGraph; spec: CloudflareEdgeSpec }> {
  const recorder = new GraphRecorder({ stack: env.name }).install();
  const spec = buildEnvironment(env);
  return { graph: await recorder.settle(), spec };
}

/** The cohort an origin load balancer (or anything tagged) belongs to. */
function taggedCohort(r: RecordedResource): string | undefined {
  const tags = r.inputs["tags"];
  if (Array.isArray(tags)) {
    const tag = tags.find(
      (t): t is string => typeof t === "string" && t.startsWith(`${COHORT_TAG_KEY}:`),
    );
    return tag?.slice(COHORT_TAG_KEY.length + 1);
  }
  const map = tags as Record<string, string> | undefined;
  return map?.[COHORT_TAG_KEY];
}

/** The cohort whose stack (parent component) created a resource. */
function stackCohort(
  graph: ResourceGraph,
  r: RecordedResource,
  env: EdgeEnvironment,
): string | undefined {
  const parent = graph.ancestors(r).find((a) => a.type === "test:index:Cohort");
  return parent === undefined
    ? undefined
    : env.cohorts.find((c) => parent.name === `${env.name}-${c}`);
}

/** The cohorts of the origins a value reaches. */
function originCohorts(graph: ResourceGraph, value: unknown): string[] {
  return [
    ...new Set(
      graph
        .referencedIn(value)
        .filter((r) => r.type === T.alb)
        .map((r) => taggedCohort(r) ?? "?"),
    ),
  ];
}

function checkEnvironment(
  graph: ResourceGraph,
  spec: CloudflareEdgeSpec,
  env: EdgeEnvironment,
): void {
  const byHostname = new Map(spec.cohorts.map((c) => [c.hostname, c.name]));
  const byIdentity = new Map(spec.cohorts.map((c) => [c.identity, c.name]));
  const cloudflare = graph.resources.filter((r) => r.type.startsWith("cloudflare:"));

  // Every Cloudflare resource's inputs are an API request the official SDK accepts.
  for (const r of cloudflare)
    expect(() => toSdkRequest(r.type, r.name, r.inputs), r.name).not.toThrow();

  // Every cohort resource lives in its own cohort's stack; shared ones only in the edge's.
  const entryPoints = new Set<string>();
  for (const r of graph.ofType(T.record)) {
    const cohort = stackCohort(graph, r, env);
    expect(cohort, r.name).toBeDefined();
    expect(r.inputs["tags"]).toEqual([cloudflareCohortTag(cohort ?? "")]);
    expect(r.inputs["proxied"]).toBe(true);
    expect(byHostname.get(String(r.inputs["name"]))).toBe(cohort);
    expect(originCohorts(graph, r.inputs["content"])).toEqual([cohort]);
    entryPoints.add(String(r.inputs["name"]));
  }
  for (const pool of graph.ofType(T.pool)) {
    const cohort = stackCohort(graph, pool, env);
    expect(originCohorts(graph, pool.inputs["origins"])).toEqual([cohort]);
  }
  for (const lb of graph.ofType(T.lb)) {
    const cohort = stackCohort(graph, lb, env);
    expect(byHostname.get(String(lb.inputs["name"]))).toBe(cohort);
    const pools = graph.referencedIn([lb.inputs["defaultPools"], lb.inputs["fallbackPool"]]);
    expect(pools.map((p) => p.type)).toEqual([T.pool]);
    expect(pools.map((p) => stackCohort(graph, p, env))).toEqual([cohort]);
    expect(lb.inputs["adaptiveRouting"]).toEqual({ failoverAcrossPools: false });
    entryPoints.add(String(lb.inputs["name"]));
  }
  // One entry point (record or load balancer) per cohort hostname, nothing else.
  expect([...entryPoints].sort()).toEqual([...byHostname.keys()].sort());

  for (const entry of graph.ofType(T.kv)) {
    const cohort = stackCohort(graph, entry, env);
    const value = JSON.parse(String(entry.inputs["value"])) as { cohort: string; origin: string };
    expect(byIdentity.get(value.cohort)).toBe(cohort);
    expect(entry.inputs["keyName"]).toBe(routeEntryKey(value.cohort));
    expect(byHostname.get(new URL(value.origin).hostname)).toBe(cohort);
  }
  expect(graph.ofType(T.kv)).toHaveLength(spec.routing === "worker" ? spec.cohorts.length : 0);

  // Exactly one Ruleset per zone and phase, each in the edge's stack.
  const rulesets = graph.ofType(T.ruleset);
  const keys = rulesets.map((r) => `${String(r.inputs["zoneId"])}/${String(r.inputs["phase"])}`);
  expect(new Set(keys).size).toBe(keys.length);
  for (const r of rulesets) expect(stackCohort(graph, r, env)).toBeUndefined();
  const phases = rulesets.map((r) => r.inputs["phase"]).sort();
  const expected = [
    ...(spec.routing !== "hostname" && spec.cache.sharedHostname === "bypass" ? [CACHE_PHASE] : []),
    ...(spec.routing === "origin-rules" ? [ORIGIN_PHASE] : []),
  ].sort();
  expect(phases).toEqual(expected);

  for (const ruleset of rulesets) {
    const rules = ruleset.inputs["rules"] as Record<string, unknown>[];
    for (const rule of rules) {
      const comparisons = parseRuleExpression(String(rule["expression"]));
      expect(comparisons[0]).toEqual({ field: "http.host", value: spec.hostname });
      if (ruleset.inputs["phase"] !== ORIGIN_PHASE) continue;
      // Each origin rule selects one cohort by its identity and sends it to that cohort's hostname.
      expect(comparisons).toHaveLength(2);
      const selected = byIdentity.get(comparisons[1]?.value ?? "");
      expect(selected).toBeDefined();
      const params = rule["actionParameters"] as {
        origin: { host: string };
        hostHeader: string;
        sni: { value: string };
      };
      for (const host of [params.origin.host, params.hostHeader, params.sni.value]) {
        expect(byHostname.get(host)).toBe(selected);
      }
    }
    if (ruleset.inputs["phase"] === ORIGIN_PHASE) expect(rules).toHaveLength(spec.cohorts.length);
  }
}

describe("Cloudflare edge under mocks", () => {
  it("the example environment: every cohort's hostname and route entry reach only its origin", async () => {
    const { graph, spec } = await record(EXAMPLE);
    checkEnvironment(graph, spec, EXAMPLE);
    expect(graph.ofType(T.kv)).toHaveLength(3);
    expect(graph.ofType(T.record)).toHaveLength(3);
  });

  it("random environments (every routing mode, plan, load balancing, identities)", async () => {
    await fc.assert(
      fc.asyncProperty(edgeEnvironments, async (env) => {
        const { graph, spec } = await record(env);
        checkEnvironment(graph, spec, env);
      }),
      { numRuns: 25 },
    );
  }, 120_000);
});
