/**
 * The invariants for random environments (fast-check): 1-12 cohorts with
 * random names, criticalities, matches, ingress kinds, storage and pins, in
 * single-stack mode and as an edge stack plus one stack per cohort.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Pin } from "../../components/contract.js";
import { CohortSpecError } from "../../components/errors.js";
import { derivedPriority } from "../../components/priority.js";
import type { CohortSpecInput } from "../../components/spec.js";
import { allViolations, changedUrns, ownerOf, type RoutingCohort } from "./support/invariants.js";
import { runExampleStack } from "./support/program-runner.js";

interface RandomEnvironment {
  name: string;
  cohorts: (CohortSpecInput & { match: RoutingCohort["match"]; ingress: "shared" | "dedicated" })[];
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
  .record({
    name: fc.constantFrom("prod", "staging", "eu1"),
    names: fc.uniqueArray(cohortName, { minLength: 1, maxLength: 12 }),
  })
  .chain(({ name, names }) =>
    fc.record({
      name: fc.constant(name),
      cohorts: fc.tuple(
        ...names.map((n) =>
          fc.record({
            name: fc.constant(n),
            criticality: fc.integer({ min: 0, max: 4 }),
            match: fc.constantFrom<RoutingCohort["match"]>(
              { header: n },
              { hosts: [`${n}.api.example.com`] },
              { hosts: ["api.example.com"], header: n },
            ),
            ingress: fc.constantFrom<"shared" | "dedicated">(
              "shared",
              "shared",
              "shared",
              "dedicated",
            ),
            bakeSeconds: fc.integer({ min: 60, max: 3600 }),
            storage: fc.record({ bucket: fc.boolean() }),
          }),
        ),
      ),
      pins: fc
        .tuple(...names.map(() => pinArb))
        .map((pins) => Object.fromEntries(names.map((n, i) => [n, pins[i]]))),
    }),
  );

/** The upper bound, always checked (fast-check favours small arrays): 12 cohorts, every kind. */
const TWELVE: RandomEnvironment = {
  name: "prod",
  cohorts: Array.from({ length: 12 }, (_, i) => {
    const name = `cohort-${i}`;
    const matches: RoutingCohort["match"][] = [
      { header: name },
      { hosts: [`${name}.api.example.com`] },
      { hosts: ["api.example.com"], header: name },
    ];
    return {
      name,
      criticality: i % 4,
      match: matches[i % 3],
      ingress: i % 4 === 3 ? "dedicated" : "shared",
      bakeSeconds: 60 * (i + 1),
      storage: { bucket: i % 2 === 0 },
    };
  }),
  pins: Object.fromEntries(
    Array.from({ length: 12 }, (_, i) => [
      `cohort-${i}`,
      { release: `r${i}`, version: `1.${i}.0`, config: { LOG_LEVEL: "info" } },
    ]),
  ),
};

/** Derived priorities can collide (a hash): validation must then refuse, naming the priority. */
function hasPriorityCollision(env: RandomEnvironment): boolean {
  const seen = new Set<number>();
  for (const c of env.cohorts.filter((c) => c.ingress === "shared")) {
    const p = derivedPriority(c.name, c.match);
    if (seen.has(p)) return true;
    seen.add(p);
  }
  return false;
}

const NETWORK_CONFIG = {
  "cohort-service:vpcId": "vpc-prop",
  "cohort-service:subnetIds": JSON.stringify(["subnet-a", "subnet-b"]),
  "cohort-service:certificateArn": "arn:aws:acm:eu-west-1:111122223333:certificate/prop",
};

function expectations(env: RandomEnvironment) {
  return {
    environment: env.name,
    headerName: "x-customer-cohort",
    cohorts: env.cohorts.map((c) => ({ name: c.name, ingress: c.ingress, match: c.match })),
  };
}

describe("random environments", () => {
  it("single-stack mode holds every invariant", async () => {
    await fc.assert(
      fc.asyncProperty(environmentArb, async (env) => {
        const baseConfig = {
          ...NETWORK_CONFIG,
          "cohort-service:environment": env.name,
          "cohort-service:part": "all",
          "cohort-service:pins": JSON.stringify(env.pins),
        };
        const definition = { name: env.name, cohorts: env.cohorts };
        if (hasPriorityCollision(env)) {
          await expect(
            runExampleStack("rand", { baseConfig, environment: definition }),
          ).rejects.toThrow(CohortSpecError);
          return;
        }
        const run = await runExampleStack("rand", { baseConfig, environment: definition });
        const names = env.cohorts.map((c) => c.name);
        expect(
          allViolations(run.graph, {
            ...expectations(env),
            owned: names,
            exported: run.outputs.cohorts,
          }),
        ).toEqual([]);
        expect(Object.keys(run.outputs.cohorts).sort()).toEqual([...names].sort());
        for (const c of env.cohorts)
          expect(run.outputs.cohorts[c.name]?.pin).toEqual(env.pins[c.name]);
      }),
      { numRuns: 10, examples: [[TWELVE]] },
    );
  });

  it("an edge stack plus one stack per cohort holds every invariant", async () => {
    await fc.assert(
      fc.asyncProperty(environmentArb, async (env) => {
        fc.pre(!hasPriorityCollision(env));
        const definition = { name: env.name, cohorts: env.cohorts };
        const common = { ...NETWORK_CONFIG, "cohort-service:environment": env.name };
        const edge = await runExampleStack(env.name, {
          baseConfig: { ...common, "cohort-service:part": "edge" },
          environment: definition,
        });
        const expect0 = expectations(env);
        expect(allViolations(edge.graph, { ...expect0, owned: [], exported: {} })).toEqual([]);
        expect(edge.outputs.environment?.cohorts.map((c) => c.stack).sort()).toEqual(
          env.cohorts.map((c) => `${env.name}.${c.name}`).sort(),
        );
        for (const c of env.cohorts) {
          const run = await runExampleStack(`${env.name}.${c.name}`, {
            baseConfig: {
              ...common,
              "cohort-service:part": "cohort",
              "cohort-service:cohort": c.name,
              "cohort-service:pin": JSON.stringify(env.pins[c.name]),
            },
            environment: definition,
            edgeOutputs: edge.outputs,
          });
          const graph = run.graph.withReferences(edge.graph);
          expect(
            allViolations(graph, { ...expect0, owned: [c.name], exported: run.outputs.cohorts }),
          ).toEqual([]);
        }
      }),
      { numRuns: 6 },
    );
  });

  it("changing one cohort's pin changes only that cohort's resources' inputs", async () => {
    await fc.assert(
      fc.asyncProperty(environmentArb, fc.nat(), pinArb, async (env, pick, newPin) => {
        fc.pre(!hasPriorityCollision(env));
        const target = env.cohorts[pick % env.cohorts.length].name;
        fc.pre(JSON.stringify(env.pins[target]) !== JSON.stringify(newPin));
        const definition = { name: env.name, cohorts: env.cohorts };
        const config = (pins: Record<string, Pin>) => ({
          ...NETWORK_CONFIG,
          "cohort-service:environment": env.name,
          "cohort-service:part": "all",
          "cohort-service:pins": JSON.stringify(pins),
        });
        const before = await runExampleStack("rand", {
          baseConfig: config(env.pins),
          environment: definition,
        });
        const after = await runExampleStack("rand", {
          baseConfig: config({ ...env.pins, [target]: newPin }),
          environment: definition,
        });
        const changed = changedUrns(before.graph, after.graph);
        expect(changed.length).toBeGreaterThan(0);
        for (const urn of changed) {
          const r = after.graph.get(urn);
          expect(r && ownerOf(after.graph, r)).toEqual({ kind: "cohort", cohort: target });
        }
      }),
      { numRuns: 6 },
    );
  });
  it("removing one cohort removes only its resources and changes no other cohort's inputs", async () => {
    await fc.assert(
      fc.asyncProperty(environmentArb, fc.nat(), async (env, pick) => {
        fc.pre(env.cohorts.length >= 2 && !hasPriorityCollision(env));
        const gone = env.cohorts[pick % env.cohorts.length].name;
        const config = (pins: Record<string, Pin>) => ({
          ...NETWORK_CONFIG,
          "cohort-service:environment": env.name,
          "cohort-service:part": "all",
          "cohort-service:pins": JSON.stringify(pins),
        });
        const before = await runExampleStack("rand", {
          baseConfig: config(env.pins),
          environment: { name: env.name, cohorts: env.cohorts },
        });
        const rest = env.cohorts.filter((c) => c.name !== gone);
        const after = await runExampleStack("rand", {
          baseConfig: config(Object.fromEntries(rest.map((c) => [c.name, env.pins[c.name]]))),
          environment: { name: env.name, cohorts: rest },
        });
        const changed = changedUrns(before.graph, after.graph);
        expect(changed.length).toBeGreaterThan(0);
        for (const urn of changed) {
          // Listener priorities and names never depend on the other cohorts: nothing else moves.
          expect(after.graph.get(urn), `${urn} changed`).toBeUndefined();
          const r = before.graph.get(urn);
          expect(r && ownerOf(before.graph, r)).toEqual({ kind: "cohort", cohort: gone });
        }
      }),
      { numRuns: 4 },
    );
  });
});
