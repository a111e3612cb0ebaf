/**
 * The ECS service settings that keep the rollout the one rollback authority, and what a cohort
 * stack exports so the rollout can watch its deployment, under Pulumi's mocks: ECS fails bad
 * deployments (circuit breaker, the cohort's alarms) but never rolls back, the provider does
 * not wait for steady state (the rollout's watcher does, with the cohort's timeout), and each
 * cohort exports its own cluster, service and task definition ARNs.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { cohortOutputSchema, environmentOutputSchema } from "../../components/contract.js";
import { CohortSpecError } from "../../components/errors.js";
import { CohortSegmentedService } from "../../components/service.js";
import { cohort, pin, validArgs } from "./support/args.js";
import { GraphRecorder } from "./support/graph-recorder.js";
import { runExampleStack, type StackRun } from "./support/program-runner.js";

describe("a cohort stack of the example prod environment", () => {
  let edge: StackRun;
  let free: StackRun;
  beforeAll(async () => {
    edge = await runExampleStack("prod");
    free = await runExampleStack("prod.free", { edgeOutputs: edge.outputs });
  });

  it("ECS fails a bad deployment (circuit breaker, the cohort's alarms) but never rolls it back", () => {
    const services = free.graph.ofType("aws:ecs/service:Service");
    expect(services).toHaveLength(1);
    const inputs = services[0]?.inputs ?? {};
    expect(inputs.deploymentCircuitBreaker).toEqual({ enable: true, rollback: false });
    const alarms = inputs.alarms as { alarmNames: string[]; enable: boolean; rollback: boolean };
    expect(alarms.enable).toBe(true);
    expect(alarms.rollback).toBe(false);
    expect(alarms.alarmNames.length).toBeGreaterThan(0);
    for (const n of alarms.alarmNames) expect(n).toContain("-free-");
    // The provider's waiter is blind to rollouts and rollbacks: the rollout watches instead.
    expect(inputs.waitForSteadyState).toBe(false);
  });

  it("exports its own cluster, service and task definition for the rollout to watch", () => {
    const out = cohortOutputSchema.parse(free.outputs.cohorts.free);
    const arnOf = (type: string) => free.graph.ofType(type)[0]?.outputs.arn;
    expect(out.deployment).toEqual({
      platform: "ecs",
      cluster: arnOf("aws:ecs/cluster:Cluster"),
      service: arnOf("aws:ecs/service:Service"),
      taskDefinition: arnOf("aws:ecs/taskDefinition:TaskDefinition"),
    });
    const { cluster, service, taskDefinition } = out.deployment ?? {};
    for (const arn of [cluster, service, taskDefinition]) expect(arn).toContain("service-free-");
  });

  it("the edge stack exports each cohort's deployment timeout (default 20 minutes)", () => {
    const env = environmentOutputSchema.parse(edge.outputs.environment);
    for (const c of env.cohorts) expect(c.deploymentTimeoutSeconds).toBe(1200);
  });
});

describe("deploymentTimeoutSeconds", () => {
  it("is exported as given", async () => {
    const recorder = new GraphRecorder({ stack: "deployment-timeout" }).install();
    const svc = new CohortSegmentedService(
      "svc",
      validArgs({
        environment: {
          name: "test",
          cohorts: [cohort("free", 0, { deploymentTimeoutSeconds: 900 })],
        },
        pins: { free: pin() },
      }),
    );
    await recorder.settle();
    expect(svc.environment?.cohorts[0]?.deploymentTimeoutSeconds).toBe(900);
  });

  it.each([
    [30, "environment.cohorts[0].deploymentTimeoutSeconds"],
    [1.5, "environment.cohorts[0].deploymentTimeoutSeconds"],
    [100_000, "environment.cohorts[0].deploymentTimeoutSeconds"],
  ])("%s is refused with its path and a hint", (value, path) => {
    new GraphRecorder({ stack: "deployment-timeout-bad" }).install();
    let caught: unknown;
    try {
      new CohortSegmentedService(
        "svc",
        validArgs({
          environment: {
            name: "test",
            cohorts: [cohort("free", 0, { deploymentTimeoutSeconds: value })],
          },
          pins: { free: pin() },
        }),
      );
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(CohortSpecError);
    const problem = (caught as CohortSpecError).problems.find((p) => p.path === path);
    expect(problem?.hint).toContain("60 to 21600");
  });
});
