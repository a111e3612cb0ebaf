import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsTwoCohorts } from "../baseline/aws.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "iam-grant-single-cohort", resource: "attach-pro-reader" },
  platform: "aws",
  program: () => {
    const { free, pro } = awsTwoCohorts();
    // The policy alone is fine (pro only); attaching it to free's role is the crossing.
    const reader = new aws.iam.Policy("pro-reader", {
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "dynamodb:GetItem", Resource: pro.table.arn }],
      }),
    });
    new aws.iam.RolePolicyAttachment("attach-pro-reader", {
      role: free.taskRole.name,
      policyArn: reader.arn,
    });
  },
};
