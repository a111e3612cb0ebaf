/**
 * A cohort's compute: its own ECS cluster, a Fargate task definition running
 * the cohort's pinned version with the cohort's own configuration, a security
 * group admitting only its load balancer, and a service guarded by the
 * deployment circuit breaker and the cohort's alarms.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { CohortContext } from "./context.js";
import type { CohortRoles } from "./iam.js";
import type { CohortStorage } from "./storage.js";

export interface CohortCompute {
  cluster: aws.ecs.Cluster;
  securityGroup: aws.ec2.SecurityGroup;
  taskDefinition: aws.ecs.TaskDefinition;
  service: aws.ecs.Service;
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
      deploymentCircuitBreaker: { enable: true, rollback: true },
      alarms: { alarmNames: wiring.deploymentAlarmNames, enable: true, rollback: true },
      healthCheckGracePeriodSeconds: 60,
      propagateTags: "SERVICE",
      waitForSteadyState: false,
      tags: ctx.tags,
    },
    { ...ctx.opts, dependsOn: wiring.dependsOn },
  );
  return { cluster, securityGroup, taskDefinition, service };
}
