/**
 * DESIGN.md's five invariants on the example environments: `dev` in
 * single-stack mode, and `prod` as an edge stack plus three cohort stacks,
 * run through the real example program (stacks/program.ts) under mocks.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { environmentOutputSchema, cohortOutputSchema } from "../../components/contract.js";
import { exampleEnvironment } from "./support/example-environments.js";
import { allViolations, changedUrns, ownerOf } from "./support/invariants.js";
import { runExampleStack, type StackRun } from "./support/program-runner.js";

/** A full image digest (a truncated one is not a valid image reference). */
const DIGEST = `sha256:${"ab12".repeat(16)}`;

describe("dev (single-stack mode)", () => {
  const env = exampleEnvironment("dev");
  // One run shared by the read-only checks; the graph is plain recorded data.
  let dev: StackRun;
  beforeAll(async () => {
    dev = await runExampleStack("dev");
  });

  it("holds every invariant and exports the contract", () => {
    const run = dev;
    const names = env.cohorts.map((c) => c.name);
    expect(
      allViolations(run.graph, {
        environment: env.name,
        headerName: env.headerName,
        cohorts: env.cohorts,
        owned: names,
        exported: run.outputs.cohorts,
      }),
    ).toEqual([]);
    expect(Object.keys(run.outputs.cohorts).sort()).toEqual([...names].sort());
    for (const out of Object.values(run.outputs.cohorts)) cohortOutputSchema.parse(out);
    const environment = environmentOutputSchema.parse(run.outputs.environment);
    expect(environment.edgeStack).toBeUndefined();
    expect(environment.cohorts.map((c) => c.name)).toEqual(["free", "pro", "enterprise"]);
    expect(environment.cohorts.every((c) => c.stack === "dev")).toBe(true);
  });

  it("each ECS service waits for its own listener rule and alarms (a target group must be attached first)", () => {
    const run = dev;
    for (const cohort of env.cohorts) {
      const service = run.graph.resources.find((r) => r.name === `service-${cohort.name}-service`);
      const rule = run.graph.resources.find((r) => r.name === `service-${cohort.name}-rule`);
      expect(service?.dependencies).toContain(rule?.urn);
      const alarms = run.graph
        .ofType("aws:cloudwatch/metricAlarm:MetricAlarm")
        .filter((a) => a.name.startsWith(`service-${cohort.name}-`));
      expect(alarms).toHaveLength(4);
      for (const alarm of alarms) expect(service?.dependencies).toContain(alarm.urn);
      // The task definition's role ARN came from this cohort's own task role.
      const task = run.graph.resources.find((r) => r.name === `service-${cohort.name}-task`);
      const role = run.graph.resources.find((r) => r.name === `service-${cohort.name}-task-role`);
      expect(task?.propertyDependencies.taskRoleArn).toEqual([role?.urn]);
    }
  });

  it("changing one cohort's pin changes only that cohort's resources' inputs", async () => {
    const before = dev;
    const pins = JSON.parse(JSON.stringify(before.outputs.cohorts)) as Record<
      string,
      { pin: unknown }
    >;
    const nextPins = Object.fromEntries(Object.entries(pins).map(([k, v]) => [k, v.pin]));
    nextPins.pro = { release: "2026-11-22.1", version: "1.6.0", config: { LOG_LEVEL: "warn" } };
    const after = await runExampleStack("dev", { config: { pins: nextPins } });
    const changed = changedUrns(before.graph, after.graph);
    expect(changed.length).toBeGreaterThan(0);
    const owners = changed.map((urn) => {
      const r = after.graph.get(urn);
      return r === undefined ? "removed" : JSON.stringify(ownerOf(after.graph, r));
    });
    // Only the pro cohort's custom resources changed (its task definition, and what echoes it).
    for (const owner of owners)
      expect(owner).toBe(JSON.stringify({ kind: "cohort", cohort: "pro" }));
    expect(
      changed.some((u) => u.includes("TaskDefinition") && u.endsWith("service-pro-task")),
    ).toBe(true);
  });
});

describe("prod (edge stack + cohort stacks)", () => {
  const env = exampleEnvironment("prod");

  let prod: { edge: StackRun; cohorts: StackRun[] };
  beforeAll(async () => {
    // The edge first: each cohort stack reads its outputs by (mocked) stack reference.
    const edge = await runExampleStack("prod");
    const cohorts: StackRun[] = [];
    for (const c of env.cohorts) {
      cohorts.push(await runExampleStack(`prod.${c.name}`, { edgeOutputs: edge.outputs }));
    }
    prod = { edge, cohorts };
  });

  it("the edge stack holds only the ingress and exports the environment in rollout order", () => {
    const { edge } = prod;
    expect(
      allViolations(edge.graph, {
        environment: env.name,
        headerName: env.headerName,
        cohorts: env.cohorts,
        owned: [],
        exported: {},
      }),
    ).toEqual([]);
    const environment = environmentOutputSchema.parse(edge.outputs.environment);
    expect(environment.edgeStack).toBe("prod");
    expect(environment.cohorts.map((c) => [c.name, c.stack, c.bakeSeconds])).toEqual([
      ["free", "prod.free", 600],
      ["pro", "prod.pro", 1200],
      ["enterprise", "prod.enterprise", 1800],
    ]);
    expect(edge.outputs.edge?.listenerArn).toMatch(/Listener\/service-edge-https$/);
  });

  it("each cohort stack holds exactly its cohort, wired to the edge by stack reference", () => {
    const { edge, cohorts } = prod;
    for (const run of cohorts) {
      const cohort = run.stack.slice("prod.".length);
      const graph = run.graph.withReferences(edge.graph);
      expect(
        allViolations(graph, {
          environment: env.name,
          headerName: env.headerName,
          cohorts: env.cohorts,
          owned: [cohort],
          exported: run.outputs.cohorts,
        }),
      ).toEqual([]);
      expect(Object.keys(run.outputs.cohorts)).toEqual([cohort]);
      expect(run.outputs.environment).toBeUndefined();
      const refs = run.graph.ofType("pulumi:pulumi:StackReference");
      const shared = env.cohorts.find((c) => c.name === cohort)?.ingress === "shared";
      expect(refs.map((r) => r.name)).toEqual(shared ? ["organization/cohort-service/prod"] : []);
    }
  });

  it("changing one cohort stack's pin changes nothing in the other stacks and only that cohort's inputs", async () => {
    const first = prod;
    const edge = first.edge;
    const before = first.cohorts.find((r) => r.stack === "prod.pro");
    const after = await runExampleStack("prod.pro", {
      edgeOutputs: edge.outputs,
      config: { pin: { release: "2026-11-22.9", version: DIGEST, config: {} } },
    });
    expect(before).toBeDefined();
    const changed = changedUrns(before!.graph, after.graph);
    expect(changed.some((u) => u.endsWith("service-pro-task"))).toBe(true);
    for (const urn of changed) {
      const r = after.graph.get(urn);
      expect(r && ownerOf(after.graph, r)).toEqual({ kind: "cohort", cohort: "pro" });
    }
    const task = after.graph.resources.find((r) => r.urn.endsWith("service-pro-task"));
    expect(String(task?.inputs.containerDefinitions)).toContain(`nginx@${DIGEST}`);
  });
});
