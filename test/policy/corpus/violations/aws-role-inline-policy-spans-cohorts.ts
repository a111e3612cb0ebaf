import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsTwoCohorts } from "../baseline/aws.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "iam-grant-single-cohort", resource: "support-role" },
  platform: "aws",
  program: () => {
    const { free, pro } = awsTwoCohorts();
    new aws.iam.Role("support-role", {
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "lambda.amazonaws.com" },
            Action: "sts:AssumeRole",
          },
        ],
      }),
      inlinePolicies: [
        {
          name: "read-all",
          policy: pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Action: "dynamodb:Scan",
                Resource: [free.table.arn, pro.table.arn],
              },
            ],
          }),
        },
      ],
    });
  },
};
