import { describe, expect, it } from "vitest";
import { recordExampleStack } from "./support/example-program.js";
import { policies } from "../../policies/shared-nothing/policies.js";
import { loadEnvironmentFile } from "../../stacks/environment.js";
import { runPack, type PackConfig, type PackRun } from "./support/run-pack.js";
import type { RecordedResource } from "./support/recorder.js";

/**
 * Our own example program (stacks/program.ts, the component on AWS) must pass the pack in every
 * stack shape it is deployed in: the dev single-stack environment, and prod's edge stack plus
 * one stack per cohort (each cohort stack seeing the edge only through its StackReference).
 */
function describeRun(run: PackRun): string[] {
  return [
    ...run.violations.map((v) => `${v.policy} ${v.resource ?? ""}: ${v.message}`),
    ...run.cantRun,
  ];
}

function environmentCohorts(name: string): string[] {
  const env = loadEnvironmentFile(name) as { cohorts: { name: string }[] };
  return env.cohorts.map((c) => c.name);
}

function cohortOfRecord(r: RecordedResource): unknown {
  return (r.inputs["tags"] as Record<string, unknown> | undefined)?.["cohort"];
}

function types(records: readonly RecordedResource[]): Set<string> {
  return new Set(records.map((r) => r.type));
}

describe("the example program passes the shared-nothing pack", () => {
  it("dev (single stack: edge and every cohort) has zero violations, after create and at preview", async () => {
    const dev = await recordExampleStack("dev");
    // The graph must really contain what the rules look at, or "zero violations" proves nothing.
    const seen = types(dev.records);
    for (const t of [
      "aws:dynamodb/table:Table",
      "aws:kms/key:Key",
      "aws:iam/rolePolicy:RolePolicy",
      "aws:lb/listenerRule:ListenerRule",
      "aws:cloudwatch/metricAlarm:MetricAlarm",
      "aws:ecs/service:Service",
    ]) {
      expect(seen, t).toContain(t);
    }
    expect(dev.records.some((r) => Object.keys(r.propertyDependencies).length > 0)).toBe(true);
    expect(describeRun(await runPack(dev.records))).toEqual([]);

    const preview = await recordExampleStack("dev", { preview: true });
    expect(describeRun(await runPack(preview.records, { preview: true }))).toEqual([]);
  });

  it("prod: the edge stack and each cohort stack have zero violations", async () => {
    const edge = await recordExampleStack("prod");
    expect(edge.edge).toBeDefined();
    expect(describeRun(await runPack(edge.records))).toEqual([]);
    // Cohort stacks are checked as a team would configure them: with the environment's cohort
    // list, which turns on the cross-stack name checks (another stack's resources by name).
    const cohorts = environmentCohorts("prod");
    expect(cohorts).toEqual(["free", "pro", "enterprise"]);
    const config: PackConfig = Object.fromEntries(policies.map((p) => [p.name, { cohorts }]));
    for (const cohort of cohorts) {
      const stack = await recordExampleStack(`prod.${cohort}`, { edgeOutputs: edge.edge });
      expect(stack.records.length, cohort).toBeGreaterThan(5);
      expect(describeRun(await runPack(stack.records, { config })), cohort).toEqual([]);
      const preview = await recordExampleStack(`prod.${cohort}`, {
        edgeOutputs: edge.edge,
        preview: true,
      });
      expect(
        describeRun(await runPack(preview.records, { preview: true, config })),
        cohort,
      ).toEqual([]);
    }
  });

  it("the same graph with one isolation break is caught (so the zero above is not vacuous)", async () => {
    const dev = await recordExampleStack("dev", { preview: true });
    const tables = dev.records.filter((r) => r.type === "aws:dynamodb/table:Table");
    const freeTable = tables.find((t) => cohortOfRecord(t) === "free");
    const proTable = tables.find((t) => cohortOfRecord(t) === "pro");
    expect(freeTable && proTable).toBeTruthy();
    if (!freeTable || !proTable) return;
    // The grant that reaches free's table: at preview only its propertyDependencies say so.
    const grant = dev.records.find(
      (r) =>
        r.type === "aws:iam/rolePolicy:RolePolicy" &&
        (r.propertyDependencies["policy"] ?? []).includes(freeTable.urn),
    );
    expect(grant).toBeDefined();
    if (!grant) return;

    const widened = dev.records.map((r) =>
      r === grant
        ? {
            ...r,
            propertyDependencies: {
              ...r.propertyDependencies,
              policy: [...(r.propertyDependencies["policy"] ?? []), proTable.urn],
            },
          }
        : r,
    );
    const crossed = await runPack(widened, { preview: true });
    expect(crossed.violations.map((v) => [v.policy, v.resource])).toEqual([
      ["iam-grant-single-cohort", grant.name],
    ]);

    const untagged = dev.records.map((r) =>
      r === proTable
        ? { ...r, inputs: { ...r.inputs, tags: {} }, state: { ...r.state, tags: {} } }
        : r,
    );
    const unmarked = await runPack(untagged, { preview: true });
    expect(unmarked.violations.map((v) => [v.policy, v.resource])).toContainEqual([
      "storage-cohort-marker",
      proTable.name,
    ]);
  });
});
