import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { cohortTags, ingressTags } from "../../../../components/identity.js";

/**
 * A legal AWS cohort setup, written by hand the way a team might (not with our component):
 * a shared ALB whose default answers 404, and per cohort its own key, table, bucket, roles,
 * task definition, service, target group, listener rule and alarm. Violation programs build
 * on this and add exactly one misconfiguration.
 */
export interface AwsEdge {
  lb: aws.lb.LoadBalancer;
  listener: aws.lb.Listener;
}

export function awsEdge(): AwsEdge {
  const lb = new aws.lb.LoadBalancer("edge-alb", {
    name: "svc-dev-edge",
    loadBalancerType: "application",
    subnets: ["subnet-a", "subnet-b"],
    tags: ingressTags(),
  });
  const listener = new aws.lb.Listener("edge-https", {
    loadBalancerArn: lb.arn,
    port: 443,
    protocol: "HTTPS",
    certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/example",
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
    tags: ingressTags(),
  });
  return { lb, listener };
}

export interface AwsCohort {
  key: aws.kms.Key;
  table: aws.dynamodb.Table;
  bucket: aws.s3.Bucket;
  taskRole: aws.iam.Role;
  executionRole: aws.iam.Role;
  targetGroup: aws.lb.TargetGroup;
  cluster: aws.ecs.Cluster;
  taskDefinition: aws.ecs.TaskDefinition;
  service: aws.ecs.Service;
}

export interface AwsCohortOptions {
  priority?: number;
  /** Leave out the cohort's health alarm. */
  noAlarm?: boolean;
}

const assumeEcsTasks = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { Service: "ecs-tasks.amazonaws.com" },
      Action: "sts:AssumeRole",
    },
  ],
});

export function dataPolicy(
  table: aws.dynamodb.Table,
  bucket: aws.s3.Bucket,
  key: aws.kms.Key,
): pulumi.Output<string> {
  return pulumi.jsonStringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
        Resource: [table.arn, pulumi.interpolate`${table.arn}/index/*`],
      },
      { Effect: "Allow", Action: ["s3:ListBucket"], Resource: [bucket.arn] },
      {
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject"],
        Resource: [pulumi.interpolate`${bucket.arn}/*`],
      },
      { Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: [key.arn] },
    ],
  });
}

export function awsCohort(c: string, edge: AwsEdge, options: AwsCohortOptions = {}): AwsCohort {
  const tags = cohortTags(c);
  const prefix = `svc-dev-${c}`;
  const key = new aws.kms.Key(`${c}-key`, {
    enableKeyRotation: true,
    deletionWindowInDays: 7,
    tags,
  });
  const table = new aws.dynamodb.Table(`${c}-table`, {
    name: `${prefix}-table`,
    billingMode: "PAY_PER_REQUEST",
    hashKey: "pk",
    attributes: [{ name: "pk", type: "S" }],
    serverSideEncryption: { enabled: true, kmsKeyArn: key.arn },
    tags,
  });
  const bucket = new aws.s3.Bucket(`${c}-bucket`, { bucket: `${prefix}-bucket`, tags });
  const taskRole = new aws.iam.Role(`${c}-task-role`, {
    name: `${prefix}-task`,
    assumeRolePolicy: assumeEcsTasks,
    tags,
  });
  const executionRole = new aws.iam.Role(`${c}-exec-role`, {
    name: `${prefix}-exec`,
    assumeRolePolicy: assumeEcsTasks,
    tags,
  });
  new aws.iam.RolePolicy(`${c}-data`, {
    role: taskRole.id,
    policy: dataPolicy(table, bucket, key),
  });
  const targetGroup = new aws.lb.TargetGroup(`${c}-tg`, {
    name: `${prefix}-tg`,
    port: 8080,
    protocol: "HTTP",
    targetType: "ip",
    vpcId: "vpc-123",
    tags,
  });
  new aws.lb.ListenerRule(`${c}-rule`, {
    listenerArn: edge.listener.arn,
    priority: options.priority ?? 100,
    conditions: [
      { hostHeader: { values: ["api.example.com"] } },
      { httpHeader: { httpHeaderName: "x-customer-cohort", values: [c] } },
    ],
    actions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
    tags,
  });
  const cluster = new aws.ecs.Cluster(`${c}-cluster`, { name: `${prefix}-cluster`, tags });
  const taskDefinition = new aws.ecs.TaskDefinition(`${c}-task`, {
    family: `${prefix}-app`,
    cpu: "256",
    memory: "512",
    networkMode: "awsvpc",
    requiresCompatibilities: ["FARGATE"],
    taskRoleArn: taskRole.arn,
    executionRoleArn: executionRole.arn,
    containerDefinitions: pulumi.jsonStringify([
      {
        name: "app",
        image: "example/app:1.4.2",
        portMappings: [{ containerPort: 8080 }],
        environment: [
          { name: "TABLE_NAME", value: table.name },
          { name: "BUCKET", value: bucket.bucket },
        ],
      },
    ]),
    tags,
  });
  const service = new aws.ecs.Service(`${c}-service`, {
    cluster: cluster.arn,
    taskDefinition: taskDefinition.arn,
    desiredCount: 2,
    launchType: "FARGATE",
    loadBalancers: [{ targetGroupArn: targetGroup.arn, containerName: "app", containerPort: 8080 }],
    tags,
  });
  if (!options.noAlarm) {
    new aws.cloudwatch.MetricAlarm(`${c}-unhealthy`, {
      name: `cohort-${c}-unhealthy-hosts`,
      comparisonOperator: "GreaterThanThreshold",
      evaluationPeriods: 2,
      metricName: "UnHealthyHostCount",
      namespace: "AWS/ApplicationELB",
      period: 60,
      statistic: "Maximum",
      threshold: 0,
      dimensions: { TargetGroup: targetGroup.arnSuffix, LoadBalancer: edge.lb.arnSuffix },
      tags,
    });
  }
  return {
    key,
    table,
    bucket,
    taskRole,
    executionRole,
    targetGroup,
    cluster,
    taskDefinition,
    service,
  };
}

/** Edge plus two legal cohorts; most AWS violation programs start here. */
export function awsTwoCohorts(options: { free?: AwsCohortOptions; pro?: AwsCohortOptions } = {}): {
  edge: AwsEdge;
  free: AwsCohort;
  pro: AwsCohort;
} {
  const edge = awsEdge();
  return {
    edge,
    free: awsCohort("free", edge, { priority: 100, ...options.free }),
    pro: awsCohort("pro", edge, { priority: 110, ...options.pro }),
  };
}
