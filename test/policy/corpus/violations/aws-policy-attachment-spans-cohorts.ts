import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsTwoCohorts } from "../baseline/aws.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  // aws.iam.PolicyAttachment attaches one managed policy to a list of roles: here both cohorts'.
  expected: { rule: "iam-grant-single-cohort", resource: "free-data-everywhere" },
  platform: "aws",
  program: () => {
    const { free, pro } = awsTwoCohorts();
    const freeData = new aws.iam.Policy("free-data-policy", {
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: ["dynamodb:GetItem"], Resource: [free.table.arn] }],
      }),
    });
    new aws.iam.PolicyAttachment("free-data-everywhere", {
      policyArn: freeData.arn,
      roles: [free.taskRole.name, pro.taskRole.name],
    });
  },
};
