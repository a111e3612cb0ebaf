import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsTwoCohorts } from "../baseline/aws.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "iam-grant-single-cohort", resource: "free-bucket-policy" },
  platform: "aws",
  program: () => {
    const { free, pro } = awsTwoCohorts();
    new aws.s3.BucketPolicy("free-bucket-policy", {
      bucket: free.bucket.id,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { AWS: [free.taskRole.arn, pro.taskRole.arn] },
            Action: ["s3:GetObject"],
            Resource: [pulumi.interpolate`${free.bucket.arn}/*`],
          },
        ],
      }),
    });
  },
};
