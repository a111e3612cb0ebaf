import * as aws from "@pulumi/aws";
import { awsCohort, awsEdge } from "../baseline/aws.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "iam-grant-single-cohort", resource: "free-reads-pro-stack" },
  platform: "aws",
  // One cohort stack of the per-cohort topology: pro's table lives in stack dev.pro, not here.
  stack: "dev.free",
  config: { "iam-grant-single-cohort": { cohorts: ["free", "pro", "enterprise"] } },
  program: () => {
    const free = awsCohort("free", awsEdge());
    new aws.iam.RolePolicy("free-reads-pro-stack", {
      role: free.taskRole.id,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Action: ["dynamodb:GetItem"],
            Resource: ["arn:aws:dynamodb:us-east-1:123456789012:table/svc-dev-pro-table"],
          },
        ],
      }),
    });
  },
};
