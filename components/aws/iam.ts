/**
 * The cohort's identity: a task role whose inline policy lists only this
 * cohort's table, bucket and key ARNs (never `*`, never a prefix wildcard that
 * could match another cohort), and an execution role limited to the cohort's
 * log group (and its image repository when one is given).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { CohortContext } from "./context.js";

export interface CohortRoles {
  taskRole: aws.iam.Role;
  executionRole: aws.iam.Role;
}

function ecsTasksTrust(accountId: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.jsonStringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "ecs-tasks.amazonaws.com" },
        Action: "sts:AssumeRole",
        // Stops another account's ECS from assuming the role (confused deputy).
        Condition: { StringEquals: { "aws:SourceAccount": accountId } },
      },
    ],
  });
}

export function createRoles(ctx: CohortContext): CohortRoles {
  const taskRole = new aws.iam.Role(
    `${ctx.logical}-task-role`,
    {
      name: ctx.names.taskRole,
      description: `Task role of cohort ${ctx.cohort.name} (${ctx.environment.name})`,
      assumeRolePolicy: ecsTasksTrust(ctx.accountId),
      tags: ctx.tags,
    },
    ctx.opts,
  );
  const executionRole = new aws.iam.Role(
    `${ctx.logical}-exec-role`,
    {
      name: ctx.names.executionRole,
      description: `Execution role of cohort ${ctx.cohort.name} (${ctx.environment.name})`,
      assumeRolePolicy: ecsTasksTrust(ctx.accountId),
      tags: ctx.tags,
    },
    ctx.opts,
  );
  return { taskRole, executionRole };
}

export interface CohortStorageArns {
  tableArn: pulumi.Input<string>;
  keyArn: pulumi.Input<string>;
  bucketArn?: pulumi.Input<string>;
  logGroupArn: pulumi.Input<string>;
}

export function taskPolicyDocument(
  arns: Omit<CohortStorageArns, "logGroupArn">,
): pulumi.Output<string> {
  const statements: object[] = [
    {
      Sid: "CohortTable",
      Effect: "Allow",
      Action: [
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:Query",
        "dynamodb:BatchGetItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:ConditionCheckItem",
      ],
      // The index suffix is anchored on this table's full ARN, so it cannot match another table.
      Resource: [arns.tableArn, pulumi.interpolate`${arns.tableArn}/index/*`],
    },
    {
      Sid: "CohortKey",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"],
      Resource: [arns.keyArn],
    },
  ];
  if (arns.bucketArn !== undefined) {
    statements.push(
      {
        Sid: "CohortBucketList",
        Effect: "Allow",
        Action: ["s3:ListBucket"],
        Resource: [arns.bucketArn],
      },
      {
        Sid: "CohortBucketObjects",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        Resource: [pulumi.interpolate`${arns.bucketArn}/*`],
      },
    );
  }
  return pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements });
}

export function createPolicies(
  ctx: CohortContext,
  roles: CohortRoles,
  arns: CohortStorageArns,
): aws.iam.RolePolicy[] {
  const taskPolicy = new aws.iam.RolePolicy(
    `${ctx.logical}-task-policy`,
    { name: ctx.names.taskPolicy, role: roles.taskRole.id, policy: taskPolicyDocument(arns) },
    ctx.opts,
  );
  const execStatements: object[] = [
    {
      Sid: "CohortLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: [pulumi.interpolate`${arns.logGroupArn}:*`],
    },
  ];
  if (ctx.container.repositoryArn !== undefined) {
    execStatements.push(
      {
        Sid: "ImagePull",
        Effect: "Allow",
        Action: [
          "ecr:BatchGetImage",
          "ecr:GetDownloadUrlForLayer",
          "ecr:BatchCheckLayerAvailability",
        ],
        Resource: [ctx.container.repositoryArn],
      },
      // ECR's token call has no resource-level scoping; it grants no data access.
      {
        Sid: "RegistryToken",
        Effect: "Allow",
        Action: ["ecr:GetAuthorizationToken"],
        Resource: "*",
      },
    );
  }
  const executionPolicy = new aws.iam.RolePolicy(
    `${ctx.logical}-exec-policy`,
    {
      name: ctx.names.executionPolicy,
      role: roles.executionRole.id,
      policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: execStatements }),
    },
    ctx.opts,
  );
  // Freeze each role's inline policy set: nothing added out of band survives an update.
  new aws.iam.RolePoliciesExclusive(
    `${ctx.logical}-task-policies`,
    { roleName: roles.taskRole.name, policyNames: [taskPolicy.name] },
    ctx.opts,
  );
  new aws.iam.RolePoliciesExclusive(
    `${ctx.logical}-exec-policies`,
    { roleName: roles.executionRole.name, policyNames: [executionPolicy.name] },
    ctx.opts,
  );
  return [taskPolicy, executionPolicy];
}
