/**
 * The five invariants on Kubernetes for random environments (fast-check): 1-8 cohorts with
 * random names, criticalities, matches, volumes (each with its own StorageClass), AWS storage,
 * with or without the shared AWS load balancer, and pins, in single-stack mode and as an edge
 * stack plus one stack per cohort; and one pin change touching only that cohort's objects.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CohortSegmentedServiceArgs } from "../../components/args.js";
import type { Pin } from "../../components/contract.js";
import { changedUrns, iamViolations, ownerOf } from "../component/support/invariants.js";
import { KUBERNETES, LOAD_BALANCER } from "./support/args.js";
import { allKubernetesViolations, type KubernetesExpectation } from "./support/invariants.js";
import { runKubernetes } from "./support/run.js";

interface RandomEnvironment {
  cohorts: { name: string; criticality: number; match: { hosts?: string[]; header?: string } }[];
  volumes: string[];
  cloudStorage: "none" | "aws";
  behindLoadBalancer: boolean;
  pins: Record<string, Pin>;
}

const cohortName = fc.stringMatching(/^[a-z]([a-z0-9-]{0,8}[a-z0-9])?$/);
const pinArb = fc.record({
  release: fc.stringMatching(/^r[0-9]{1,4}$/),
  version: fc.stringMatching(/^[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{1,2}$/),
  config: fc.dictionary(
    fc.constantFrom("LOG_LEVEL", "FEATURE_X", "LIMIT"),
    fc.stringMatching(/^[a-z0-9]{1,6}$/),
  ),
});

const environmentArb: fc.Arbitrary<RandomEnvironment> = fc
  .uniqueArray(cohortName, { minLength: 1, maxLength: 8 })
  .chain((names) =>
    fc.record({
      cohorts: fc.tuple(
        ...names.map((n) =>
          fc.record({
            name: fc.constant(n),
            criticality: fc.integer({ min: 0, max: 4 }),
            match: fc.constantFrom<{ hosts?: string[]; header?: string }>(
              { header: n },
              { hosts: [`${n}.api.example.com`] },
              { hosts: ["api.example.com"], header: n },
            ),
          }),
        ),
      ),
      volumes: fc.subarray(names),
      cloudStorage: fc.constantFrom<"none" | "aws">("none", "aws"),
      behindLoadBalancer: fc.boolean(),
      pins: fc.record(Object.fromEntries(names.map((n) => [n, pinArb]))),
    }),
  );

function argsFor(env: RandomEnvironment): CohortSegmentedServiceArgs {
  return {
    environment: {
      name: "prod",
      platform: "kubernetes",
      cohorts: env.cohorts.map((c) => ({ ...c, bakeSeconds: 300 })),
    },
    part: "all",
    pins: env.pins,
    kubernetes: {
      ...KUBERNETES,
      cloudStorage: env.cloudStorage,
      ...(env.behindLoadBalancer ? { loadBalancer: LOAD_BALANCER } : {}),
      volumes: Object.fromEntries(
        env.volumes.map((n) => [n, { storageClassName: `ebs-${n}`, size: "2Gi" }]),
      ),
    },
  };
}

function expectation(env: RandomEnvironment, exported: KubernetesExpectation["exported"]) {
  return {
    environment: "prod",
    headerName: "x-customer-cohort",
    gatewayNamespace: "gateway-system",
    clusterCidrs: KUBERNETES.clusterCidrs,
    cohorts: env.cohorts,
    exported,
    ...(env.behindLoadBalancer ? { loadBalancer: { ...LOAD_BALANCER, containerPort: 8080 } } : {}),
  };
}

const RUNS = { numRuns: 6, endOnFailure: true };

describe("Kubernetes invariants for random environments", () => {
  it("single-stack mode holds every invariant", async () => {
    await fc.assert(
      fc.asyncProperty(environmentArb, async (env) => {
        const run = await runKubernetes(argsFor(env));
        const violations = [
          ...allKubernetesViolations(run.graph, expectation(env, run.cohorts)),
          ...iamViolations(run.graph),
        ];
        expect(violations).toEqual([]);
        // The graph holds what the checks look at, or "no violations" proves nothing.
        const kinds = new Set(run.graph.resources.map((r) => r.type));
        expect(kinds).toContain("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute");
        expect(kinds).toContain("kubernetes:networking.k8s.io/v1:NetworkPolicy");
        const statefulSets = run.graph.ofType("kubernetes:apps/v1:StatefulSet");
        expect(statefulSets.length).toBe(env.volumes.length);
        const bindings = run.graph.ofType("kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding");
        expect(bindings).toHaveLength(env.behindLoadBalancer ? env.cohorts.length : 0);
        if (env.cloudStorage === "aws")
          expect(
            run.graph.ofType("aws:eks/podIdentityAssociation:PodIdentityAssociation"),
          ).toHaveLength(env.cohorts.length);
      }),
      RUNS,
    );
  }, 600_000);

  it("an edge stack plus one stack per cohort holds every invariant", async () => {
    await fc.assert(
      fc.asyncProperty(environmentArb, async (env) => {
        const edge = await runKubernetes({ ...argsFor(env), part: "edge", pins: {} }, "prod");
        expect(allKubernetesViolations(edge.graph, expectation(env, {}), [])).toEqual([]);
        expect(edge.edge).toEqual({
          gatewayName: "public",
          gatewayNamespace: "gateway-system",
          listenerName: "https",
        });
        for (const c of env.cohorts) {
          const pin = env.pins[c.name];
          const run = await runKubernetes(
            { ...argsFor(env), part: "cohort", cohort: c.name, pins: pin ? { [c.name]: pin } : {} },
            `prod.${c.name}`,
          );
          expect(
            allKubernetesViolations(run.graph, expectation(env, run.cohorts), [c.name]),
          ).toEqual([]);
          expect(run.graph.ofType("kubernetes:gateway.networking.k8s.io/v1:Gateway")).toEqual([]);
        }
      }),
      { ...RUNS, numRuns: 3 },
    );
  }, 600_000);

  it("changing one cohort's pin changes only that cohort's objects", async () => {
    await fc.assert(
      fc.asyncProperty(environmentArb, pinArb, fc.nat(), async (env, newPin, pick) => {
        const target = env.cohorts[pick % env.cohorts.length]?.name ?? "";
        const before = await runKubernetes(argsFor(env));
        const changed = { ...env, pins: { ...env.pins, [target]: newPin } };
        const after = await runKubernetes(argsFor(changed));
        for (const urn of changedUrns(before.graph, after.graph)) {
          const r = after.graph.get(urn) ?? before.graph.get(urn);
          const owner = r === undefined ? undefined : ownerOf(after.graph, r);
          // The CohortStack component itself has no inputs; only its children can change.
          expect(owner, urn).toEqual({ kind: "cohort", cohort: target });
        }
        const old = env.pins[target];
        if (old !== undefined && JSON.stringify(old) !== JSON.stringify(newPin)) {
          const workload = after.graph.resources.find(
            (r) =>
              r.type.startsWith("kubernetes:apps/v1:") &&
              (r.inputs.metadata as { namespace?: string }).namespace === `cohort-${target}`,
          );
          expect(changedUrns(before.graph, after.graph)).toContain(workload?.urn);
        }
      }),
      RUNS,
    );
  }, 600_000);

  it("behind the shared load balancer, a pin change touches only that cohort's workload", async () => {
    const env: RandomEnvironment = {
      cohorts: ["free", "pro", "enterprise"].map((name, i) => ({
        name,
        criticality: i,
        match: { hosts: ["api.example.com"], header: name },
      })),
      volumes: [],
      cloudStorage: "none",
      behindLoadBalancer: true,
      pins: Object.fromEntries(
        ["free", "pro", "enterprise"].map((n) => [
          n,
          { release: "r1", version: "1.0.0", config: {} },
        ]),
      ),
    };
    const before = await runKubernetes(argsFor(env));
    const after = await runKubernetes(
      argsFor({
        ...env,
        pins: { ...env.pins, pro: { release: "r2", version: "1.1.0", config: {} } },
      }),
    );
    const changed = changedUrns(before.graph, after.graph);
    // The workload changes; its target group, rule, binding and alarms stay as they were.
    expect(changed.map((u) => u.split("::").pop())).toEqual(["service-pro-deployment"]);
    expect(after.graph.ofType("aws:lb/targetGroup:TargetGroup")).toHaveLength(3);
  }, 120_000);

  it("behind the shared load balancer with alarms made elsewhere: the same names, no alarm", async () => {
    const run = await runKubernetes({
      ...argsFor({
        cohorts: [{ name: "free", criticality: 0, match: { header: "free" } }],
        volumes: [],
        cloudStorage: "none",
        behindLoadBalancer: true,
        pins: { free: { release: "r1", version: "1.0.0", config: {} } },
      }),
      kubernetes: { ...KUBERNETES, loadBalancer: LOAD_BALANCER, alarms: "external" },
    });
    expect(run.cohorts.free?.alarmNames).toEqual([
      "cohort-prod-free-running-pods",
      "cohort-prod-free-restarts",
      "cohort-prod-free-error-rate",
      "cohort-prod-free-latency-p99",
      "cohort-prod-free-unhealthy-hosts",
      "cohort-prod-free-no-healthy-hosts",
      "cohort-prod-free-health",
    ]);
    expect(run.graph.resources.filter((r) => r.type.startsWith("aws:cloudwatch"))).toEqual([]);
    expect(run.graph.ofType("aws:lb/targetGroup:TargetGroup")).toHaveLength(1);
  }, 60_000);
});
