import * as aws from "@pulumi/aws";
import { awsTwoCohorts } from "../baseline/aws.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "iam-grant-single-cohort", resource: "free-ddb-full" },
  platform: "aws",
  program: () => {
    const { free } = awsTwoCohorts();
    new aws.iam.RolePolicyAttachment("free-ddb-full", {
      role: free.taskRole.name,
      policyArn: "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess",
    });
  },
};
