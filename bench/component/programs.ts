/**
 * The two programs the benchmark compares, declaring the same resources:
 *
 * - `component`: `new CohortSegmentedService(...)` in single-stack mode, with
 *   validation, the Edge and one CohortStack component per cohort;
 * - `flat`: the same @pulumi/aws resources with the same wiring, built by the
 *   same builder functions (components/aws/*) but declared at the top level:
 *   no validation, no component resources, no parent chain. Its specs are
 *   prepared before the clock starts.
 *
 * The runner checks that both register the same custom resources.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { CohortSegmentedServiceArgs, NetworkArgs } from "../../components/args.js";
import { createAlarms } from "../../components/aws/alarms.js";
import { createCompute, createLogGroup } from "../../components/aws/compute.js";
import type { CohortContext } from "../../components/aws/context.js";
import { createPolicies, createRoles } from "../../components/aws/iam.js";
import { createListenerRule, createTargetGroup } from "../../components/aws/ingress.js";
import { createHttpsLoadBalancer } from "../../components/aws/load-balancer.js";
import { containerSpecSchema, type ContainerSpec } from "../../components/aws/spec.js";
import { createStorage } from "../../components/aws/storage.js";
import { cohortTags, ingressTags } from "../../components/identity.js";
import { cohortNames, edgeNames } from "../../components/naming.js";
import { CohortSegmentedService } from "../../components/service.js";
import { validateArgs, type ValidatedArgs } from "../../components/validate.js";

export type Variant = "component" | "flat";

/** An environment of `count` shared-ingress cohorts (explicit priorities), every other one with a bucket. */
export function benchArgs(count: number): CohortSegmentedServiceArgs {
  const cohorts = Array.from({ length: count }, (_, i) => ({
    name: `c${i}`,
    criticality: i % 3,
    match: { header: `c${i}` },
    priority: i + 1,
    bakeSeconds: 300,
    storage: { bucket: i % 2 === 0 },
  }));
  return {
    environment: { name: "bench", cohorts },
    part: "all",
    pins: Object.fromEntries(cohorts.map((c) => [c.name, { release: "r1", version: "1.0.0" }])),
    network: {
      vpcId: "vpc-bench",
      subnetIds: ["subnet-a", "subnet-b"],
      certificateArn: "arn:aws:acm:eu-west-1:111122223333:certificate/bench",
    },
  };
}

/**
 * @pulumi/aws loads each service module on first use (seconds in total): touch
 * every class both programs use before the clock starts, so neither pays it.
 */
export function loadProviderModules(): number {
  const classes: unknown[] = [
    aws.ecs.Cluster,
    aws.ecs.TaskDefinition,
    aws.ecs.Service,
    aws.ec2.SecurityGroup,
    aws.dynamodb.Table,
    aws.s3.Bucket,
    aws.s3.BucketPublicAccessBlock,
    aws.s3.BucketOwnershipControls,
    aws.s3.BucketServerSideEncryptionConfiguration,
    aws.s3.BucketVersioning,
    aws.s3.BucketPolicy,
    aws.kms.Key,
    aws.kms.Alias,
    aws.iam.Role,
    aws.iam.RolePolicy,
    aws.iam.RolePoliciesExclusive,
    aws.lb.LoadBalancer,
    aws.lb.Listener,
    aws.lb.ListenerRule,
    aws.lb.TargetGroup,
    aws.cloudwatch.LogGroup,
    aws.cloudwatch.MetricAlarm,
    aws.cloudwatch.CompositeAlarm,
    aws.getCallerIdentityOutput,
    aws.getRegionOutput,
  ];
  return classes.filter((c) => typeof c === "function").length;
}

/** What the flat program declares from: the validated specs and the AWS settings. */
export interface FlatInput {
  spec: ValidatedArgs;
  network: NetworkArgs;
  container: ContainerSpec;
}

/** Work done before the clock starts (only the flat program has any). */
export function prepare(variant: Variant, args: CohortSegmentedServiceArgs): FlatInput | undefined {
  if (variant !== "flat") return undefined;
  if (args.network === undefined) throw new Error("the bench environment needs a network");
  return {
    spec: validateArgs("bench", args),
    network: args.network,
    container: containerSpecSchema.parse(args.container ?? {}),
  };
}

export function runComponent(args: CohortSegmentedServiceArgs): pulumi.Output<unknown> {
  return new CohortSegmentedService("bench", args).cohorts;
}

/** The same resources as the component, declared flat (mirrors components/edge.ts and cohort.ts). */
export function runFlat({ spec, network, container }: FlatInput): pulumi.Output<unknown> {
  const env = spec.environment;
  const names = edgeNames(env.name);
  const edge = createHttpsLoadBalancer({
    logical: "flat-edge",
    loadBalancerName: names.loadBalancer,
    securityGroupName: names.securityGroup,
    description: `Shared edge ALB of environment ${env.name}`,
    network,
    tags: ingressTags(),
    defaultActions: [
      {
        type: "fixed-response",
        fixedResponse: {
          contentType: "text/plain",
          statusCode: "404",
          messageBody: "unknown cohort",
        },
      },
    ],
    opts: {},
  });
  const accountId = aws.getCallerIdentityOutput({}).accountId;
  const region = aws.getRegionOutput({}).region;
  const outputs: pulumi.Output<string>[] = [];
  for (const cohort of spec.owned) {
    const pin = spec.pins.get(cohort.name);
    if (pin === undefined) throw new Error(`no pin for ${cohort.name}`);
    const ctx: CohortContext = {
      environment: env,
      cohort,
      pin,
      names: cohortNames(env.name, cohort.name),
      tags: cohortTags(cohort.name),
      logical: `flat-${cohort.name}`,
      network,
      container,
      accountId,
      region,
      opts: {},
    };
    const roles = createRoles(ctx);
    const storage = createStorage(ctx, roles);
    const logGroup = createLogGroup(ctx);
    createPolicies(ctx, roles, {
      tableArn: storage.table.arn,
      keyArn: storage.key.arn,
      logGroupArn: logGroup.arn,
      ...(storage.bucket !== undefined ? { bucketArn: storage.bucket.arn } : {}),
    });
    const targetGroup = createTargetGroup(ctx);
    const rule = createListenerRule(ctx, edge.listener.arn, targetGroup);
    const alarms = createAlarms(ctx, {
      targetGroupArnSuffix: targetGroup.arnSuffix,
      loadBalancerArnSuffix: edge.loadBalancer.arnSuffix,
    });
    createCompute(ctx, {
      roles,
      storage,
      logGroup,
      targetGroup,
      loadBalancerSecurityGroupId: edge.securityGroup.id,
      deploymentAlarmNames: alarms.deploymentAlarmNames,
      dependsOn: [rule, ...alarms.metricAlarms],
    });
    outputs.push(alarms.composite.alarmName);
  }
  return pulumi.all(outputs);
}
