/**
 * Physical names are unambiguous: for any two legal cohort names (including one that extends
 * the other, `eu` and `eu-task`), no name or ARN of one cohort reads as the other's. Checked
 * through the naming table itself and through the pin cross-reference check that reads it:
 * a pin may name every resource of its own cohort and none of another's. The Kubernetes
 * platform behind the shared AWS load balancer names its AWS resources (target groups, ALB and
 * Container Insights alarms, composites) from the same table, equally unambiguously.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { COHORT_NAME_PATTERN } from "../../components/identity.js";
import {
  cohortNames,
  NAME_RULES,
  namesIn,
  NOT_RESOURCE_NAMES,
  type NameKind,
  type NameRule,
  type Placement,
} from "../../components/naming.js";
import { CohortSpecError } from "../../components/errors.js";
import { validateArgs } from "../../components/validate.js";
import { cohort, pin, validArgs } from "./support/args.js";
import { KUBERNETES, LOAD_BALANCER } from "../kubernetes/support/args.js";
import { runKubernetes } from "../kubernetes/support/run.js";
import { ownerOf } from "./support/invariants.js";

const cohortName = fc.stringMatching(COHORT_NAME_PATTERN);
const environmentName = fc.stringMatching(/^[a-z][a-z0-9]{0,19}$/);
/** `b` extends `a` by a suffix, the case that broke: `eu` and `eu-task`. */
const extendingPair = fc
  .tuple(cohortName, fc.constantFrom("task", "data", "exec", "key", "files", "svc", "lb", "x"))
  .map(([a, word]) => [a, `${a}-${word}`] as const)
  .filter(([, b]) => COHORT_NAME_PATTERN.test(b));
const anyPair = fc.tuple(cohortName, cohortName).filter(([a, b]) => a !== b);
const pair = fc.oneof(extendingPair, anyPair);
const HERE: Placement = { partition: "aws", accountId: "111122223333", region: "eu-west-1" };

const rules = Object.entries(NAME_RULES) as [NameKind, NameRule][];

/** Every name of a cohort and every ARN that embeds one, as a pin value could carry them. */
function namesAndArns(env: string, c: string): string[] {
  return rules.flatMap(([, rule]) => {
    const name = rule.name(env, c, HERE);
    return rule.arn ? [name, rule.arn(name, HERE, env, c)] : [name];
  });
}

function problemsOf(run: () => unknown): string[] {
  try {
    run();
    return [];
  } catch (error) {
    if (!(error instanceof CohortSpecError)) throw error;
    return error.problems.map((p) => `${p.path}: ${p.problem}`);
  }
}

function argsWithPinConfig(env: string, a: string, b: string, config: Record<string, string>) {
  return validArgs({
    environment: { name: env, cohorts: [cohort(a, 0), cohort(b, 1)] },
    pins: { [a]: { ...pin(), config }, [b]: pin() },
  });
}

describe("the naming table", () => {
  it("holds every resource name CohortNames gives (a new kind cannot be left out)", () => {
    const names = cohortNames("prod", "eu");
    const keys = Object.keys(names).filter(
      (k) => !(NOT_RESOURCE_NAMES as readonly string[]).includes(k),
    );
    for (const key of keys) {
      if (key === "alarm") continue; // one rule per alarm kind, checked below
      expect(Object.keys(NAME_RULES), key).toContain(key);
    }
    // Each rule builds the very name the component uses.
    expect(NAME_RULES.table.name("prod", "eu", HERE)).toBe(names.table);
    expect(NAME_RULES.bucket.name("prod", "eu", HERE)).toBe(
      names.bucket(HERE.accountId, HERE.region),
    );
    expect(NAME_RULES["alarm:latency-p99"].name("prod", "eu", HERE)).toBe(
      names.alarm("latency-p99"),
    );
  });

  it("finds every name and ARN of a cohort as that cohort's and no other's", () => {
    fc.assert(
      fc.property(environmentName, pair, (env, [a, b]) => {
        for (const [owner, other] of [
          [a, b],
          [b, a],
        ] as const) {
          for (const text of namesAndArns(env, owner)) {
            const found = namesIn(text, env, [a, b]);
            expect(found.length, text).toBeGreaterThan(0);
            expect(
              found.map((f) => f.cohort),
              `${text} read as cohort ${other}'s`,
            ).not.toContain(other);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it("never reads one environment's name as another environment's", () => {
    fc.assert(
      fc.property(environmentName, environmentName, cohortName, cohortName, (e1, e2, a, b) => {
        fc.pre(e1 !== e2);
        // Target groups and load balancers carry the environment in a 24-bit hash only.
        const inName = rules.filter(([kind]) => kind !== "targetGroup" && kind !== "loadBalancer");
        for (const [, rule] of inName) {
          const name = rule.name(e1, a, HERE);
          expect(namesIn(name, e2, [a, b]), name).toEqual([]);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("gives no two (cohort, kind) pairs the same name", () => {
    fc.assert(
      fc.property(environmentName, pair, (env, [a, b]) => {
        const seen = new Map<string, string>();
        for (const c of [a, b]) {
          for (const [kind, rule] of rules) {
            const name = rule.name(env, c, HERE);
            const before = seen.get(name);
            // The task role and the task family share a name within one cohort (two namespaces).
            if (before !== undefined) expect(before.split("/")[0], name).toBe(c);
            seen.set(name, `${c}/${kind}`);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("a pin's config", () => {
  it("may name every resource of its own cohort, whatever the other cohort is called", () => {
    fc.assert(
      fc.property(environmentName, pair, (env, [a, b]) => {
        for (const [owner, other] of [
          [a, b],
          [b, a],
        ] as const) {
          const config = Object.fromEntries(
            namesAndArns(env, owner).map((text, i) => [`OWN_${i}`, text]),
          );
          expect(
            problemsOf(() => validateArgs("svc", argsWithPinConfig(env, owner, other, config))),
          ).toEqual([]);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("may name no resource of another cohort, of any kind, by name or ARN", () => {
    fc.assert(
      fc.property(environmentName, pair, (env, [a, b]) => {
        const foreign = namesAndArns(env, b);
        const config = Object.fromEntries(foreign.map((text, i) => [`PEER_${i}`, text]));
        const problems = problemsOf(() =>
          validateArgs("svc", argsWithPinConfig(env, a, b, config)),
        );
        expect(problems).toHaveLength(foreign.length);
        for (const p of problems) expect(p).toMatch(new RegExp(`names cohort "${b}"'s `));
      }),
      { numRuns: 200 },
    );
  });

  it("eu-task's own names are not cohort eu's (the reported case)", () => {
    const own = cohortNames("prod", "eu-task");
    const config = { KEY: own.keyAlias, LOGS: own.logGroup, TABLE: own.table };
    expect(
      problemsOf(() => validateArgs("svc", argsWithPinConfig("prod", "eu-task", "eu", config))),
    ).toEqual([]);
    const eu = cohortNames("prod", "eu");
    const peer = {
      LOGS: eu.logGroup,
      EXEC: `arn:aws:iam::111122223333:role/${eu.executionRole}`,
      GATE: eu.compositeAlarm,
    };
    expect(
      problemsOf(() => validateArgs("svc", argsWithPinConfig("prod", "eu-task", "eu", peer))),
    ).toEqual([
      `pins.eu-task.config.EXEC: names cohort "eu"'s execution role "${eu.executionRole}"`,
      `pins.eu-task.config.GATE: names cohort "eu"'s composite alarm "${eu.compositeAlarm}"`,
      `pins.eu-task.config.LOGS: names cohort "eu"'s log group "${eu.logGroup.replace("/ecs/", "")}"`,
    ]);
  });
});

describe("the Kubernetes platform behind the shared load balancer", () => {
  it("names each cohort's target group and alarms from the table: its own, no other's", async () => {
    await fc.assert(
      fc.asyncProperty(environmentName, pair, async (env, [a, b]) => {
        const run = await runKubernetes({
          environment: {
            name: env,
            platform: "kubernetes",
            cohorts: [cohort(a, 0), cohort(b, 1)],
          },
          part: "all",
          pins: { [a]: pin(), [b]: pin() },
          kubernetes: { ...KUBERNETES, loadBalancer: LOAD_BALANCER },
        });
        const named = run.graph.resources.flatMap((r) => {
          const owner = ownerOf(run.graph, r);
          const name =
            r.inputs.alarmName ?? (r.type.startsWith("aws:") ? r.inputs.name : undefined);
          return owner.kind === "cohort" && typeof name === "string"
            ? [{ cohort: owner.cohort, type: r.type, name }]
            : [];
        });
        // Each cohort: a target group, six metric alarms, a composite (and nothing unnamed).
        for (const c of [a, b])
          expect(
            named
              .filter((n) => n.cohort === c)
              .map((n) => n.type)
              .sort(),
          ).toEqual([
            "aws:cloudwatch/compositeAlarm:CompositeAlarm",
            ...Array<string>(6).fill("aws:cloudwatch/metricAlarm:MetricAlarm"),
            "aws:lb/targetGroup:TargetGroup",
          ]);
        expect(new Set(named.map((n) => n.name)).size).toBe(named.length);
        for (const n of named) {
          expect(
            namesIn(n.name, env, [a, b]).map((f) => f.cohort),
            `${n.name} (cohort ${n.cohort})`,
          ).toEqual([n.cohort]);
          if (n.type === "aws:lb/targetGroup:TargetGroup")
            expect(n.name.length, n.name).toBeLessThanOrEqual(32);
        }
      }),
      { numRuns: 12 },
    );
  }, 120_000);
});
