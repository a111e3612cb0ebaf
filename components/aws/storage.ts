/**
 * The cohort's own storage: a KMS key (whose policy admits only the cohort's
 * roles besides the account's administrators), a DynamoDB table encrypted with
 * it, and optionally an S3 bucket locked down the same way (TLS only, object
 * data readable and writable by the cohort's task role only).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { CohortContext } from "./context.js";
import type { CohortRoles } from "./iam.js";

/** What storage needs of a cohort's context: no network, no container (Kubernetes uses it too). */
export type StorageContext = Pick<
  CohortContext,
  "environment" | "cohort" | "names" | "tags" | "logical" | "accountId" | "region" | "opts"
>;

/** The role whose principal alone may use the cohort's key and bucket objects. */
export type StorageRoles = Pick<CohortRoles, "taskRole">;

export interface CohortStorage {
  key: aws.kms.Key;
  table: aws.dynamodb.Table;
  bucket?: aws.s3.Bucket;
}

function keyPolicy(ctx: StorageContext, roles: StorageRoles): pulumi.Output<string> {
  return pulumi.jsonStringify({
    Version: "2012-10-17",
    Statement: [
      {
        // Without an administrator statement a key policy can lock the key out of every principal.
        Sid: "AccountAdministration",
        Effect: "Allow",
        Principal: { AWS: pulumi.interpolate`arn:aws:iam::${ctx.accountId}:root` },
        Action: "kms:*",
        // In a key policy "*" means this key only.
        Resource: "*",
      },
      {
        Sid: "CohortRolesUseKey",
        Effect: "Allow",
        Principal: { AWS: [roles.taskRole.arn] },
        Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt", "kms:DescribeKey"],
        Resource: "*",
      },
    ],
  });
}

export function createStorage(ctx: StorageContext, roles: StorageRoles): CohortStorage {
  const key = new aws.kms.Key(
    `${ctx.logical}-key`,
    {
      description: `Data key of cohort ${ctx.cohort.name} (${ctx.environment.name})`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: keyPolicy(ctx, roles),
      tags: ctx.tags,
    },
    ctx.opts,
  );
  new aws.kms.Alias(
    `${ctx.logical}-key-alias`,
    { name: ctx.names.keyAlias, targetKeyId: key.keyId },
    ctx.opts,
  );
  const table = new aws.dynamodb.Table(
    `${ctx.logical}-table`,
    {
      name: ctx.names.table,
      billingMode: "PAY_PER_REQUEST",
      hashKey: "pk",
      rangeKey: "sk",
      attributes: [
        { name: "pk", type: "S" },
        { name: "sk", type: "S" },
      ],
      serverSideEncryption: { enabled: true, kmsKeyArn: key.arn },
      pointInTimeRecovery: { enabled: true },
      deletionProtectionEnabled: true,
      tags: ctx.tags,
    },
    ctx.opts,
  );
  const bucket = ctx.cohort.storage.bucket ? createBucket(ctx, key, roles) : undefined;
  return bucket === undefined ? { key, table } : { key, table, bucket };
}

function createBucket(ctx: StorageContext, key: aws.kms.Key, roles: StorageRoles): aws.s3.Bucket {
  const bucket = new aws.s3.Bucket(
    `${ctx.logical}-bucket`,
    {
      bucket: pulumi
        .all([ctx.accountId, ctx.region])
        .apply(([accountId, region]) => ctx.names.bucket(accountId, region)),
      tags: ctx.tags,
    },
    ctx.opts,
  );
  const publicAccess = new aws.s3.BucketPublicAccessBlock(
    `${ctx.logical}-bucket-public-access`,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    ctx.opts,
  );
  new aws.s3.BucketOwnershipControls(
    `${ctx.logical}-bucket-ownership`,
    { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
    ctx.opts,
  );
  new aws.s3.BucketServerSideEncryptionConfiguration(
    `${ctx.logical}-bucket-encryption`,
    {
      bucket: bucket.id,
      rules: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn },
          bucketKeyEnabled: true,
        },
      ],
    },
    ctx.opts,
  );
  new aws.s3.BucketVersioning(
    `${ctx.logical}-bucket-versioning`,
    { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
    ctx.opts,
  );
  new aws.s3.BucketPolicy(
    `${ctx.logical}-bucket-policy`,
    {
      bucket: bucket.id,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
          {
            // Object data belongs to this cohort's tasks only, whatever an identity policy
            // elsewhere grants. Bucket management (Pulumi's own calls) stays possible.
            Sid: "DenyObjectAccessOutsideCohort",
            Effect: "Deny",
            Principal: "*",
            Action: [
              "s3:GetObject",
              "s3:GetObjectVersion",
              "s3:PutObject",
              "s3:DeleteObject",
              "s3:DeleteObjectVersion",
            ],
            Resource: [pulumi.interpolate`${bucket.arn}/*`],
            Condition: { StringNotEquals: { "aws:PrincipalArn": [roles.taskRole.arn] } },
          },
        ],
      }),
    },
    // A policy put before the public-access block is in place can be rejected.
    { ...ctx.opts, dependsOn: [publicAccess] },
  );
  return bucket;
}
