/**
 * A Kubernetes cohort's own AWS storage: the same KMS key, DynamoDB table and (optional) S3
 * bucket as on the AWS platform (components/aws/storage.ts), reached through an EKS Pod
 * Identity role that only the cohort's ServiceAccount in the cohort's namespace can assume and
 * whose policy lists only the cohort's ARNs.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { taskPolicyDocument } from "../aws/iam.js";
import { createStorage, type CohortStorage } from "../aws/storage.js";
import type { KubernetesCohortContext } from "./context.js";

export interface CohortCloudStorage {
  storage: CohortStorage;
  role: aws.iam.Role;
  association: aws.eks.PodIdentityAssociation;
  /** Environment the workload gets: the table, key and bucket names. */
  environment: pulumi.Output<Record<string, string>>;
}

/**
 * Creates the cohort's key, table, bucket, role, policy and pod identity association.
 * @param ctx the cohort's names, labels, settings and options.
 * @param account the account id and region the storage lives in.
 */
export function createCloudStorage(
  ctx: KubernetesCohortContext,
  account: { accountId: pulumi.Input<string>; region: pulumi.Input<string> },
): CohortCloudStorage {
  const role = new aws.iam.Role(
    `${ctx.logical}-pod-role`,
    {
      name: ctx.cloudNames.taskRole,
      description: `Pod identity role of cohort ${ctx.cohort.name} (${ctx.environment.name})`,
      assumeRolePolicy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "pods.eks.amazonaws.com" },
            Action: ["sts:AssumeRole", "sts:TagSession"],
            // The association binds the role to one namespace and ServiceAccount; these stop
            // another account's or cluster's pod identity agent from assuming it.
            Condition: {
              StringEquals: {
                "aws:SourceAccount": account.accountId,
                "aws:RequestTag/kubernetes-namespace": ctx.names.namespace,
                "aws:RequestTag/kubernetes-service-account": ctx.names.serviceAccount,
                "aws:RequestTag/eks-cluster-name": ctx.settings.clusterName,
              },
            },
          },
        ],
      }),
      tags: ctx.labels,
    },
    ctx.cloudOpts,
  );
  const storage = createStorage(
    {
      environment: ctx.environment,
      cohort: ctx.cohort,
      names: ctx.cloudNames,
      tags: ctx.labels,
      logical: ctx.logical,
      accountId: account.accountId,
      region: account.region,
      opts: ctx.cloudOpts,
    },
    { taskRole: role },
  );
  const policy = new aws.iam.RolePolicy(
    `${ctx.logical}-pod-policy`,
    {
      name: ctx.cloudNames.taskPolicy,
      role: role.id,
      policy: taskPolicyDocument({
        tableArn: storage.table.arn,
        keyArn: storage.key.arn,
        ...(storage.bucket !== undefined ? { bucketArn: storage.bucket.arn } : {}),
      }),
    },
    ctx.cloudOpts,
  );
  new aws.iam.RolePoliciesExclusive(
    `${ctx.logical}-pod-policies`,
    { roleName: role.name, policyNames: [policy.name] },
    ctx.cloudOpts,
  );
  const association = new aws.eks.PodIdentityAssociation(
    `${ctx.logical}-pod-identity`,
    {
      clusterName: ctx.settings.clusterName,
      namespace: ctx.names.namespace,
      serviceAccount: ctx.names.serviceAccount,
      roleArn: role.arn,
      tags: ctx.labels,
    },
    ctx.cloudOpts,
  );
  const environment = pulumi
    .all([storage.table.name, storage.key.arn, storage.bucket?.bucket ?? ""])
    .apply(([table, key, bucket]) => {
      const values: Record<string, string> = { TABLE_NAME: table, KMS_KEY_ARN: key };
      if (bucket !== "") values.BUCKET_NAME = bucket;
      return values;
    });
  return { storage, role, association, environment };
}
