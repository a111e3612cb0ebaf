import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsTwoCohorts } from "../baseline/aws.js";
import type { LegalCase } from "../shapes.js";

export const legal: LegalCase = {
  why: 'A bucket policy with Principal "*" and s3:* — but in Deny statements that lock the bucket to TLS and to its own cohort\'s role: denies never widen access.',
  platform: "aws",
  program: () => {
    const { free } = awsTwoCohorts();
    const objects = pulumi.interpolate`${free.bucket.arn}/*`;
    new aws.s3.BucketPolicy("free-bucket-lockdown", {
      bucket: free.bucket.id,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [free.bucket.arn, objects],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
          {
            Sid: "DenyOtherPrincipals",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [free.bucket.arn, objects],
            Condition: { StringNotEquals: { "aws:PrincipalArn": [free.taskRole.arn] } },
          },
        ],
      }),
    });
  },
};
