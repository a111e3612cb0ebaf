import * as aws from "@pulumi/aws";
import { awsTwoCohorts } from "../baseline/aws.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "iam-grant-single-cohort", resource: "svc-tables" },
  platform: "aws",
  program: () => {
    awsTwoCohorts();
    // `table/svc-dev-*` matches every cohort's table.
    new aws.iam.Policy("svc-tables", {
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Action: ["dynamodb:Query"],
            Resource: "arn:aws:dynamodb:us-east-1:123456789012:table/svc-dev-*",
          },
        ],
      }),
    });
  },
};
