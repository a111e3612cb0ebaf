/**
 * The ECS deployment watcher: on recorded sequences of DescribeServices answers (a rolling
 * deployment, the circuit breaker with and without rollback, a missing service), and against
 * moto for what moto models (the DescribeServices call and its shape, a single PRIMARY
 * deployment whose rolloutState follows running vs desired, MISSING services, the primary
 * task definition).
 */
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
} from "@aws-sdk/client-ecs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeploymentRef } from "../../components/contract.js";
import {
  EcsDeploymentWatcher,
  judgeEcsService,
} from "../../stacks/rollout/adapters/ecs-deployment-watcher.js";
import { awsTestClientConfig, ensureMoto, startMoto, type MotoServer } from "../support/moto.js";
import {
  CIRCUIT_BREAKER_FAILED,
  CIRCUIT_BREAKER_ROLLBACK,
  CLUSTER,
  MISSING,
  NEW_TD,
  ROLLING_SUCCESS,
  SERVICE,
} from "./fixtures/ecs-describe-services.js";

const REF: DeploymentRef = {
  platform: "ecs",
  cluster: CLUSTER,
  service: SERVICE,
  taskDefinition: NEW_TD,
};

/** A watcher whose client answers from a list, one answer per call; the requests are kept. */
function replaying(answers: { services?: unknown; failures?: unknown }[]) {
  const requests: unknown[] = [];
  let i = 0;
  const client = {
    send: (command: DescribeServicesCommand) => {
      requests.push(command.input);
      const next = answers[Math.min(i++, answers.length - 1)];
      return Promise.resolve(next);
    },
  } as unknown as ECSClient; // only `send` is used; the answers are typed by the fixtures
  return { watcher: new EcsDeploymentWatcher({ client }), requests };
}

describe("on recorded DescribeServices sequences", () => {
  it("a rolling deployment is in progress until the new deployment COMPLETED and the old tasks drained", async () => {
    const { watcher, requests } = replaying(ROLLING_SUCCESS.map((s) => s.answer));
    const states = [];
    for (const _ of ROLLING_SUCCESS) states.push(await watcher.check(REF));
    expect(states.map((s) => s.state)).toEqual(ROLLING_SUCCESS.map((s) => s.expect));
    expect(states[1]?.reason).toContain("2/2 running");
    expect(states[1]?.reason).toContain("1 old task(s)");
    expect(states[2]?.reason).toContain("still draining");
    expect(states[3]?.reason).toContain("COMPLETED");
    expect(requests[0]).toEqual({ cluster: CLUSTER, services: [SERVICE] });
  });

  it("ECS's own circuit-breaker rollback is reported as rolled back, with ECS's reason", () => {
    const states = CIRCUIT_BREAKER_ROLLBACK.map((s) =>
      judgeEcsService(REF, s.answer.services?.[0], s.answer.failures?.[0]),
    );
    expect(states.map((s) => s.state)).toEqual(CIRCUIT_BREAKER_ROLLBACK.map((s) => s.expect));
    expect(states[0]?.reason).toContain("3 failed to start");
    expect(states[1]?.reason).toContain("rolling back to deploymentId");
    expect(states[1]?.reason).toContain("tasks failed to start");
    expect(states[2]?.reason).toContain("no longer lists the deployed one");
  });

  it("a circuit breaker without rollback fails the deployment with ECS's reason", () => {
    const s = judgeEcsService(REF, CIRCUIT_BREAKER_FAILED.services?.[0]);
    expect(s.state).toBe("failed");
    expect(s.reason).toContain("rolloutState FAILED");
    expect(s.reason).toContain("circuit breaker: tasks failed to start");
  });

  it("a missing service fails (nothing can serve)", () => {
    const s = judgeEcsService(REF, MISSING.services?.[0], MISSING.failures?.[0]);
    expect(s).toMatchObject({ state: "failed" });
    expect(s.reason).toContain("MISSING");
  });

  it("without rolloutState (Classic Load Balancer), one deployment of ours at full count serves", () => {
    const svc = ROLLING_SUCCESS[3]?.answer.services?.[0];
    const deployment = { ...svc?.deployments?.[0], rolloutState: undefined };
    expect(judgeEcsService(REF, { ...svc, deployments: [deployment] }).state).toBe("serving");
    expect(
      judgeEcsService(REF, { ...svc, deployments: [{ ...deployment, runningCount: 1 }] }).state,
    ).toBe("in-progress");
  });
});

const moto = await ensureMoto();

describe.skipIf(!moto.available)(`EcsDeploymentWatcher against moto ${moto.reason ?? ""}`, () => {
  let aws: MotoServer;
  let ecs: ECSClient;
  let watcher: EcsDeploymentWatcher;
  let clusterArn = "";
  let td = "";

  beforeAll(async () => {
    // moto reports every service's deployment with this many running tasks (its documented knob).
    const saved = process.env.MOTO_ECS_SERVICE_RUNNING;
    process.env.MOTO_ECS_SERVICE_RUNNING = "2";
    try {
      aws = await startMoto();
    } finally {
      if (saved === undefined) delete process.env.MOTO_ECS_SERVICE_RUNNING;
      else process.env.MOTO_ECS_SERVICE_RUNNING = saved;
    }
    ecs = new ECSClient(awsTestClientConfig(aws.endpoint));
    watcher = new EcsDeploymentWatcher({
      ...awsTestClientConfig(aws.endpoint),
      requestTimeoutMs: 5000,
    });
    clusterArn =
      (await ecs.send(new CreateClusterCommand({ clusterName: "svc-prod-free" }))).cluster
        ?.clusterArn ?? "";
    td =
      (
        await ecs.send(
          new RegisterTaskDefinitionCommand({
            family: "svc-prod-free",
            networkMode: "awsvpc",
            requiresCompatibilities: ["FARGATE"],
            cpu: "256",
            memory: "512",
            containerDefinitions: [{ name: "app", image: "public.ecr.aws/nginx/nginx:1.27" }],
          }),
        )
      ).taskDefinition?.taskDefinitionArn ?? "";
  });

  afterAll(async () => {
    watcher?.close();
    ecs?.destroy();
    await aws?.stop();
  });

  async function service(name: string, desiredCount: number): Promise<DeploymentRef> {
    const created = await ecs.send(
      new CreateServiceCommand({
        cluster: clusterArn,
        serviceName: name,
        taskDefinition: td,
        desiredCount,
        launchType: "FARGATE",
        deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: false } },
      }),
    );
    return {
      platform: "ecs",
      cluster: clusterArn,
      service: created.service?.serviceArn ?? "",
      taskDefinition: td,
    };
  }

  it("a deployment with every desired task running is serving", async () => {
    const s = await watcher.check(await service("complete", 2));
    expect(s.state).toBe("serving");
    expect(s.reason).toContain("COMPLETED");
  });

  it("a deployment short of its desired count is in progress", async () => {
    const s = await watcher.check(await service("short", 3));
    expect(s).toMatchObject({ state: "in-progress" });
    expect(s.reason).toContain("2/3 running");
  });

  it("a PRIMARY deployment of another task definition is a rollback", async () => {
    const ref = await service("other", 2);
    const s = await watcher.check({ ...ref, taskDefinition: `${td.replace(/:\d+$/, "")}:99` });
    expect(s.state).toBe("rolled-back");
    expect(s.reason).toContain(td);
  });

  it("a service ECS does not know fails", async () => {
    const s = await watcher.check({
      platform: "ecs",
      cluster: clusterArn,
      service: "no-such-service",
      taskDefinition: td,
    });
    expect(s).toMatchObject({ state: "failed" });
    expect(s.reason).toContain("MISSING");
  });
});
