/**
 * DeploymentWatcher over ECS DescribeServices (AWS SDK v3): is the task definition the cohort
 * stack deployed the one that serves, and only it?
 *
 * Why not the AWS provider's `waitForSteadyState`: its waiter calls a service stable when it has
 * one deployment and runningCount == desiredCount. That is also true after ECS rolled back to
 * the old task definition (the update then "succeeds" on the old version), and a FAILED
 * deployment (circuit breaker without rollback) never gets there, so the update blocks until
 * the provider's timeout and reports a timeout instead of ECS's reason. This watcher reads the
 * deployments themselves (fields as documented for DescribeServices):
 * - the PRIMARY deployment runs another task definition: `rolled-back` (ECS's own rollback, or
 *   someone else's update), with the deployed one's rolloutStateReason when ECS still lists it;
 * - the PRIMARY deployment is ours and rolloutState FAILED (circuit breaker, deployment alarm;
 *   a FAILED deployment launches no new tasks): `failed`, with ECS's reason;
 * - ours, COMPLETED, no other deployment left (old tasks drained) and running >= desired:
 *   `serving`; anything short of that: `in-progress`, saying what it waits for.
 * rolloutState is only reported for rolling-update services not behind a Classic Load
 * Balancer; without it, the same rule as the provider's waiter applies, plus the task
 * definition check.
 */
import {
  DescribeServicesCommand,
  ECSClient,
  type Deployment,
  type Failure,
  type Service,
} from "@aws-sdk/client-ecs";
import type { DeploymentRef } from "../../../components/contract.js";
import type { DeploymentStatus, DeploymentWatcher } from "../core/ports.js";
import { awsClientSettings, type AwsAdapterOptions } from "./aws-client-config.js";

export interface EcsDeploymentWatcherOptions extends AwsAdapterOptions {
  /** Use this client instead of building one. */
  client?: ECSClient;
}

export class EcsDeploymentWatcher implements DeploymentWatcher {
  private readonly client: ECSClient;

  constructor(options: EcsDeploymentWatcherOptions = {}) {
    this.client = options.client ?? new ECSClient(awsClientSettings(options));
  }

  async check(ref: DeploymentRef): Promise<DeploymentStatus> {
    if (ref.platform !== "ecs") {
      throw new Error(
        `the ECS deployment watcher cannot watch a ${String(ref.platform)} deployment`,
      );
    }
    const out = await this.client.send(
      new DescribeServicesCommand({ cluster: ref.cluster, services: [ref.service] }),
    );
    return judgeEcsService(ref, out.services?.[0], out.failures?.[0]);
  }

  /** Release the client's sockets. */
  close(): void {
    this.client.destroy();
  }
}

function counts(d: Deployment): string {
  return `${d.runningCount ?? 0}/${d.desiredCount ?? 0} running${d.failedTasks ? `, ${d.failedTasks} failed to start` : ""}`;
}

function because(d: Deployment | undefined): string {
  return d?.rolloutStateReason ? `: ${d.rolloutStateReason}` : "";
}

/** The verdict on one DescribeServices answer; pure, so recorded answers can be replayed. */
export function judgeEcsService(
  ref: DeploymentRef,
  service: Service | undefined,
  failure?: Failure,
): DeploymentStatus {
  if (!service) {
    return {
      state: "failed",
      reason: `ECS has no service ${ref.service} in ${ref.cluster} (${failure?.reason ?? "not returned"})`,
    };
  }
  if (service.status !== undefined && service.status !== "ACTIVE") {
    return { state: "failed", reason: `the ECS service is ${service.status}, not ACTIVE` };
  }
  const deployments = service.deployments ?? [];
  const primary = deployments.find((d) => d.status === "PRIMARY");
  const ours = deployments.find((d) => d.taskDefinition === ref.taskDefinition);
  if (!primary) {
    return { state: "in-progress", reason: "ECS lists no PRIMARY deployment yet" };
  }
  if (primary.taskDefinition !== ref.taskDefinition) {
    const deployed = ours
      ? `; the deployed one is ${ours.status ?? "?"} with rolloutState ${ours.rolloutState ?? "?"}${because(ours)}`
      : "; ECS no longer lists the deployed one";
    return {
      state: "rolled-back",
      reason: `the PRIMARY deployment runs ${primary.taskDefinition ?? "?"}, not the deployed ${ref.taskDefinition} (rolloutState ${primary.rolloutState ?? "?"}${because(primary)})${deployed}`,
    };
  }
  const older = deployments.filter((d) => d !== primary);
  const draining = older.reduce((n, d) => n + (d.runningCount ?? 0), 0);
  switch (primary.rolloutState) {
    case "FAILED":
      return {
        state: "failed",
        reason: `rolloutState FAILED (${counts(primary)})${because(primary)}`,
      };
    case "IN_PROGRESS":
      return {
        state: "in-progress",
        reason: `rolloutState IN_PROGRESS, ${counts(primary)}${older.length ? `, ${draining} old task(s) in ${older.length} older deployment(s)` : ""}`,
      };
    default: {
      // COMPLETED, or no rolloutState (a Classic Load Balancer, an old service): the waiter's
      // rule, on our own deployment.
      const running = primary.runningCount ?? 0;
      const desired = primary.desiredCount ?? service.desiredCount ?? 0;
      const state = primary.rolloutState ?? "not reported";
      if (older.length > 0)
        return {
          state: "in-progress",
          reason: `rolloutState ${state}, ${counts(primary)}, ${draining} old task(s) still draining in ${older.length} older deployment(s)`,
        };
      if (running < desired)
        return { state: "in-progress", reason: `rolloutState ${state}, ${counts(primary)}` };
      return {
        state: "serving",
        reason: `rolloutState ${state}, ${counts(primary)}, no older deployment left${because(primary)}`,
      };
    }
  }
}
