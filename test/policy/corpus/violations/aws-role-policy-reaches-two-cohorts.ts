import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsTwoCohorts } from "../baseline/aws.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "iam-grant-single-cohort", resource: "free-reads-pro" },
  platform: "aws",
  program: () => {
    const { free, pro } = awsTwoCohorts();
    new aws.iam.RolePolicy("free-reads-pro", {
      role: free.taskRole.id,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: ["dynamodb:GetItem"], Resource: [pro.table.arn] }],
      }),
    });
  },
};
