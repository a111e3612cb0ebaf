/**
 * A cohort's compute: its own ECS cluster, a Fargate task definition running
 * the cohort's pinned version with the cohort's own configuration, a security
 * group admitting only its load balancer, and a service whose deployments
 * ECS judges (circuit breaker, the cohort's alarms) but never rolls back.
 *
 * One rollback authority per cohort: the rollout. ECS's own rollback would put
 * the old task definition back behind the stack's back, leaving the stack
 * state, the pin and the ledger claiming a release the cohort no longer runs.
 * So ECS only *fails* a deployment (circuit breaker: tasks that never become
 * healthy; alarms: any of the cohort's deployment alarms in ALARM while it
 * deploys), and the rollout, which watches the deployment through the
 * service's outputs (`deployment` in contract.ts), records the failure with
 * ECS's reason and reverts through the stack, so state, ledger and running
 * tasks agree.
 *
 * `waitForSteadyState` stays off: the AWS provider's waiter only checks that
 * the service has one deployment and runningCount == desiredCount. It is blind
 * to the rollout state and to which task definition is primary (after an ECS
 * rollback it reports success on the old version), and on a failed deployment
 * it blocks until its timeout and reports a timeout, not the circuit breaker's
 * reason. The rollout's watcher checks the primary deployment itself (its
 * task definition, rolloutState COMPLETED, old tasks drained) with the
 * cohort's `deploymentTimeoutSeconds`, reports a failure with its cause at
 * once, and keeps watching during the bake.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { DeploymentRef } from "../contract.js";
import type { CohortContext } from "./context.js";
import type { CohortRoles } from "./iam.js";
import type { CohortStorage } from "./storage.js";

export interface CohortCompute {
  cluster: aws.ecs.Cluster;
  securityGroup: aws.ec2.SecurityGroup;
  taskDefinition: aws.ecs.TaskDefinition;
  service: aws.ecs.Service;
  /** Where the rollout watches this cohort's deployments (contract.ts `deployment`). */
  deployment: pulumi.Output<DeploymentRef>;
}

/**
 * The ECS service settings that keep the rollout the one rollback authority (see the module
 * comment): ECS fails a bad deployment, the rollout reverts it.
 */
export function deploymentSettings(
  alarmNames: string[],
): Pick<aws.ecs.ServiceArgs, "deploymentCircuitBreaker" | "alarms" | "waitForSteadyState"> {
  return {
    deploymentCircuitBreaker: { enable: true, rollback: false },
    alarms: { alarmNames, enable: true, rollback: false },
    waitForSteadyState: false,
  };
}

export interface ComputeWiring {
  roles: CohortRoles;
  storage: CohortStorage;
  logGroup: aws.cloudwatch.LogGroup;
  targetGroup: aws.lb.TargetGroup;
  /** The security group of the load balancer that fronts this cohort. */
  loadBalancerSecurityGroupId: pulumi.Input<string>;
  deploymentAlarmNames: string[];
  /** Resources the service must wait for (the listener rule and the alarms). */
  dependsOn: pulumi.Resource[];
}

export function createLogGroup(ctx: CohortContext): aws.cloudwatch.LogGroup {
  return new aws.cloudwatch.LogGroup(
    `${ctx.logical}-logs`,
    { name: ctx.names.logGroup, retentionInDays: 30, tags: ctx.tags },
    ctx.opts,
  );
}

/** `repo:tag`, or `repo@sha256:…` when the pinned version is a digest. */
export function imageReference(repository: string, version: string): string {
  return version.startsWith("sha256:") ? `${repository}@${version}` : `${repository}:${version}`;
}

function containerEnvironment(
  ctx: CohortContext,
  storage: CohortStorage,
): pulumi.Output<{ name: string; value: string }[]> {
  return pulumi
    .all([storage.table.name, storage.key.arn, storage.bucket?.bucket ?? ""])
    .apply(([table, key, bucket]) => {
      // The pin's values first; the cohort's own identity can never be overridden by them.
      const values: Record<string, string> = {
        ...ctx.pin.config,
        COHORT: ctx.cohort.name,
        ENVIRONMENT: ctx.environment.name,
        RELEASE: ctx.pin.release,
        VERSION: ctx.pin.version,
        TABLE_NAME: table,
        KMS_KEY_ARN: key,
      };
      if (bucket !== "") values.BUCKET_NAME = bucket;
      return Object.keys(values)
        .sort()
        .map((name) => ({ name, value: values[name] ?? "" }));
    });
}

export function createCompute(ctx: CohortContext, wiring: ComputeWiring): CohortCompute {
  const cluster = new aws.ecs.Cluster(
    `${ctx.logical}-cluster`,
    {
      name: ctx.names.cluster,
      settings: [{ name: "containerInsights", value: "enhanced" }],
      tags: ctx.tags,
    },
    ctx.opts,
  );
  const securityGroup = new aws.ec2.SecurityGroup(
    `${ctx.logical}-tasks-sg`,
    {
      name: ctx.names.securityGroup,
      description: `Tasks of cohort ${ctx.cohort.name}: admits only its load balancer`,
      vpcId: ctx.network.vpcId,
      ingress: [
        {
          protocol: "tcp",
          fromPort: ctx.container.port,
          toPort: ctx.container.port,
          securityGroups: [wiring.loadBalancerSecurityGroupId],
        },
      ],
      // HTTPS out only: image pulls and AWS APIs.
      egress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }],
      tags: ctx.tags,
    },
    ctx.opts,
  );
  const taskDefinition = new aws.ecs.TaskDefinition(
    `${ctx.logical}-task`,
    {
      family: ctx.names.family,
      cpu: ctx.container.cpu,
      memory: ctx.container.memory,
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
      taskRoleArn: wiring.roles.taskRole.arn,
      executionRoleArn: wiring.roles.executionRole.arn,
      containerDefinitions: pulumi.jsonStringify([
        {
          name: ctx.names.container,
          image: imageReference(ctx.container.image, ctx.pin.version),
          essential: true,
          portMappings: [{ containerPort: ctx.container.port, protocol: "tcp" }],
          environment: containerEnvironment(ctx, wiring.storage),
          logConfiguration: {
            logDriver: "awslogs",
            options: {
              "awslogs-group": wiring.logGroup.name,
              "awslogs-region": ctx.region,
              "awslogs-stream-prefix": ctx.cohort.name,
            },
          },
        },
      ]),
      tags: ctx.tags,
    },
    ctx.opts,
  );
  const service = new aws.ecs.Service(
    `${ctx.logical}-service`,
    {
      name: ctx.names.service,
      cluster: cluster.arn,
      taskDefinition: taskDefinition.arn,
      desiredCount: ctx.cohort.desiredCount,
      launchType: "FARGATE",
      networkConfiguration: {
        subnets: ctx.network.subnetIds,
        securityGroups: [securityGroup.id],
        assignPublicIp: false,
      },
      loadBalancers: [
        {
          targetGroupArn: wiring.targetGroup.arn,
          containerName: ctx.names.container,
          containerPort: ctx.container.port,
        },
      ],
      ...deploymentSettings(wiring.deploymentAlarmNames),
      healthCheckGracePeriodSeconds: 60,
      propagateTags: "SERVICE",
      tags: ctx.tags,
    },
    { ...ctx.opts, dependsOn: wiring.dependsOn },
  );
  const deployment = pulumi
    .all([cluster.arn, service.arn, taskDefinition.arn])
    .apply(([clusterArn, serviceArn, taskDefinitionArn]): DeploymentRef => ({
      platform: "ecs",
      cluster: clusterArn,
      service: serviceArn,
      taskDefinition: taskDefinitionArn,
    }));
  return { cluster, securityGroup, taskDefinition, service, deployment };
}
