/**
 * The pack reads the component's physical names as their own cohort's, for any two legal cohort
 * names, including one extending the other (`eu` and `eu-task`: cohort `eu`'s task role
 * `svc-prod-eu-task` once read as cohort `eu-task`'s and failed `prod.eu` with 4 violations).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { COHORT_NAME_PATTERN } from "../../components/identity.js";
import { NAME_RULES, type NameRule, type Placement } from "../../components/naming.js";
import { CohortSegmentedService } from "../../components/service.js";
import { cohortsNamedIn } from "../../policies/shared-nothing/lib/named-cohorts.js";
import { policies } from "../../policies/shared-nothing/policies.js";
import { recordProgram } from "./support/recorder.js";
import { runPack, type PackConfig } from "./support/run-pack.js";

const cohortName = fc.stringMatching(COHORT_NAME_PATTERN);
const extendingPair = fc
  .tuple(cohortName, fc.constantFrom("task", "data", "exec", "key", "files", "lb", "app"))
  .map(([a, word]) => [a, `${a}-${word}`] as const)
  .filter(([, b]) => COHORT_NAME_PATTERN.test(b));
const anyPair = fc.tuple(cohortName, cohortName).filter(([a, b]) => a !== b);
const HERE: Placement = { partition: "aws", accountId: "111122223333", region: "eu-west-1" };

function namesAndArns(env: string, c: string): string[] {
  return (Object.values(NAME_RULES) as NameRule[]).flatMap((rule) => {
    const name = rule.name(env, c, HERE);
    return rule.arn ? [name, rule.arn(name, HERE, env, c)] : [name];
  });
}

const NETWORK = {
  vpcId: "vpc-1",
  subnetIds: ["subnet-a", "subnet-b"],
  certificateArn: "arn:aws:acm:eu-west-1:111122223333:certificate/c",
};

/** One cohort stack (`prod.<own>`) of an environment with cohorts `own` and `other`. */
async function cohortStack(own: string, other: string) {
  return recordProgram(
    () =>
      new CohortSegmentedService("svc", {
        environment: {
          name: "prod",
          cohorts: [
            { name: own, criticality: 0, match: { header: own }, bakeSeconds: 300 },
            { name: other, criticality: 1, match: { header: other }, bakeSeconds: 300 },
          ],
        },
        part: "cohort",
        cohort: own,
        pins: { [own]: { release: "r1", version: "1.0.0", config: {} } },
        network: NETWORK,
        edge: {
          listenerArn: "arn:aws:elasticloadbalancing:eu-west-1:111122223333:listener/app/e/1/2",
          loadBalancerArnSuffix: "app/e/1",
          securityGroupId: "sg-edge",
          dnsName: "edge.example.com",
        },
      }),
    { project: "svc", stack: `prod.${own}` },
  );
}

async function violationsOf(own: string, other: string): Promise<string[]> {
  const records = await cohortStack(own, other);
  // The team's configuration: the environment's cohorts, which turns on the name checks.
  const config: PackConfig = Object.fromEntries(
    policies.map((p) => [p.name, { cohorts: [own, other] }]),
  );
  const run = await runPack(records, { config });
  expect(records.some((r) => r.type === "aws:iam/rolePolicy:RolePolicy")).toBe(true);
  return [...run.violations.map((v) => `${v.policy} ${v.resource ?? ""}: ${v.message}`)];
}

describe("the pack reads the component's names as their own cohort's", () => {
  it("every name and ARN of a cohort names that cohort only", () => {
    fc.assert(
      fc.property(fc.oneof(extendingPair, anyPair), ([a, b]) => {
        for (const [own, other] of [
          [a, b],
          [b, a],
        ] as const) {
          for (const text of namesAndArns("prod", own))
            expect(cohortsNamedIn(text, "prod", [own, other]), text).toEqual([own]);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("prod.eu and prod.eu-task (the reported pair) have zero violations", async () => {
    expect(await violationsOf("eu", "eu-task")).toEqual([]);
    expect(await violationsOf("eu-task", "eu")).toEqual([]);
  });

  it("one stack holding both (single-stack mode) has zero violations", async () => {
    const records = await recordProgram(
      () =>
        new CohortSegmentedService("svc", {
          environment: {
            name: "dev",
            cohorts: ["eu", "eu-task"].map((name, criticality) => ({
              name,
              criticality,
              match: { header: name },
              bakeSeconds: 300,
              storage: { bucket: true },
            })),
          },
          pins: Object.fromEntries(
            ["eu", "eu-task"].map((c) => [c, { release: "r1", version: "1.0.0", config: {} }]),
          ),
          network: NETWORK,
        }),
      { project: "svc", stack: "dev" },
    );
    expect(records.filter((r) => r.type === "aws:s3/bucket:Bucket")).toHaveLength(2);
    const run = await runPack(records);
    expect(run.violations.map((v) => `${v.policy} ${v.resource ?? ""}: ${v.message}`)).toEqual([]);
  });

  it("a cohort stack has zero violations for any two legal cohort names", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(extendingPair, anyPair), async ([own, other]) => {
        expect(await violationsOf(own, other)).toEqual([]);
      }),
      // Each run records a whole cohort stack; the reported shape is pinned above.
      { numRuns: 6 },
    );
  });

  it("still reports a cohort stack naming the other cohort's resource (not vacuous)", async () => {
    const records = await cohortStack("eu", "eu-task");
    const task = records.find((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition");
    if (task === undefined) throw new Error("the cohort stack has no task definition");
    // As the engine reports it after create (stack policies read the state).
    const defs = JSON.parse(String(task.state["containerDefinitions"])) as {
      environment?: { name: string; value: string }[];
    }[];
    const [container] = defs;
    if (container === undefined) throw new Error("the task definition has no container");
    container.environment = [
      { name: "PEER_TABLE", value: NAME_RULES.table.name("prod", "eu-task", HERE) },
    ];
    task.state["containerDefinitions"] = JSON.stringify(defs);
    const config: PackConfig = Object.fromEntries(
      policies.map((p) => [p.name, { cohorts: ["eu", "eu-task"] }]),
    );
    const run = await runPack(records, { config });
    expect(run.violations.map((v) => v.message).join("\n")).toMatch(/cohort eu-task's resources/);
  });
});
