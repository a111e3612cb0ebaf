/**
 * Physical names and listener priorities, for every name the schema accepts:
 * within AWS's length and character limits, deterministic, distinct between
 * cohorts, and dependent on the cohort's own name and match only.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { COHORT_NAME_PATTERN } from "../../components/identity.js";
import { cohortNames, edgeNames } from "../../components/naming.js";
import { cohortPriority, derivedPriority } from "../../components/priority.js";
import type { Match } from "../../components/spec.js";

const label = fc.stringMatching(/^[a-z]([a-z0-9-]{0,18}[a-z0-9])?$/);
const match: fc.Arbitrary<Match> = label.chain((header) =>
  fc.constantFrom<Match>(
    { header },
    { hosts: ["api.example.com"] },
    { hosts: ["api.example.com"], header },
  ),
);

describe("physical names", () => {
  it("fit AWS limits for every DNS-safe environment and cohort name", () => {
    fc.assert(
      fc.property(label, label, (env, cohort) => {
        expect(COHORT_NAME_PATTERN.test(cohort)).toBe(true);
        const n = cohortNames(env, cohort);
        // Target groups and load balancers: 32 chars, alphanumerics and '-', no leading/trailing '-'.
        for (const name of [n.targetGroup, n.loadBalancer, edgeNames(env).loadBalancer]) {
          expect(name.length).toBeLessThanOrEqual(32);
          expect(name).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]$/);
        }
        // IAM role and inline policy names: 64; S3 bucket names: 3-63 lowercase.
        for (const name of [n.taskRole, n.executionRole, n.taskPolicy, n.executionPolicy])
          expect(name.length).toBeLessThanOrEqual(64);
        expect(n.bucket("111122223333", "ap-southeast-5")).toMatch(
          /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/,
        );
        // Alarm names embed the cohort so the rollout's gate can be read off the name.
        expect(n.compositeAlarm).toBe(`cohort-${env}-${cohort}-health`);
      }),
      { numRuns: 300 },
    );
  });

  it("are distinct between two cohorts of one environment", () => {
    fc.assert(
      fc.property(label, label, label, (env, a, b) => {
        fc.pre(a !== b);
        const [x, y] = [cohortNames(env, a), cohortNames(env, b)];
        for (const key of ["cluster", "table", "taskRole", "targetGroup"] as const)
          expect(x[key]).not.toBe(y[key]);
        expect(x.bucket("111122223333", "eu-west-1")).not.toBe(
          y.bucket("111122223333", "eu-west-1"),
        );
      }),
      { numRuns: 300 },
    );
  });
});

describe("listener priorities", () => {
  it("derived ones are valid, deterministic and tiered by specificity", () => {
    fc.assert(
      fc.property(label, match, (name, m) => {
        const p = derivedPriority(name, m);
        expect(p).toBe(derivedPriority(name, m));
        expect(p).toBeGreaterThanOrEqual(1);
        expect(p).toBeLessThanOrEqual(50_000);
        const band = m.hosts !== undefined && m.header !== undefined ? 0 : m.header ? 1 : 2;
        expect(Math.floor((p - 1000) / 10_000)).toBe(band);
      }),
      { numRuns: 300 },
    );
  });

  it("wildcard hosts come after literal hosts with the same header condition", () => {
    fc.assert(
      fc.property(label, label, (name, header) => {
        const wildHeader = derivedPriority(name, { hosts: ["*.example.com"], header });
        expect(wildHeader).toBeGreaterThanOrEqual(10_000);
        expect(wildHeader).toBeLessThan(11_000);
        const wildHost = derivedPriority(name, { hosts: ["a.example.com", "*.example.com"] });
        expect(wildHost).toBeGreaterThanOrEqual(31_000);
        expect(wildHost).toBeLessThanOrEqual(50_000);
      }),
      { numRuns: 300 },
    );
  });

  it("an explicit priority wins over the derived one", () => {
    expect(cohortPriority({ name: "free", match: { header: "free" }, priority: 7 })).toBe(7);
    expect(cohortPriority({ name: "free", match: { header: "free" } })).toBe(
      derivedPriority("free", { header: "free" }),
    );
  });
});
