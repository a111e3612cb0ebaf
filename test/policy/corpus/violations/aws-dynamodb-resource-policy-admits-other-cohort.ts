import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsTwoCohorts } from "../baseline/aws.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "iam-grant-single-cohort", resource: "pro-table-policy" },
  platform: "aws",
  program: () => {
    const { free, pro } = awsTwoCohorts();
    new aws.dynamodb.ResourcePolicy("pro-table-policy", {
      resourceArn: pro.table.arn,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { AWS: free.taskRole.arn },
            Action: "dynamodb:GetItem",
            Resource: pro.table.arn,
          },
        ],
      }),
    });
  },
};
