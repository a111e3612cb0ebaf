import * as aws from "@pulumi/aws";
import { awsTwoCohorts } from "../baseline/aws.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "iam-grant-single-cohort", resource: "free-star" },
  platform: "aws",
  program: () => {
    const { free } = awsTwoCohorts();
    new aws.iam.RolePolicy("free-star", {
      role: free.taskRole.id,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "dynamodb:*", Resource: "*" }],
      }),
    });
  },
};
