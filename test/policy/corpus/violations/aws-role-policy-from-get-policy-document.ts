import * as aws from "@pulumi/aws";
import { awsTwoCohorts } from "../baseline/aws.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  // The document comes from aws.iam.getPolicyDocument (an invoke), not from jsonStringify.
  expected: { rule: "iam-grant-single-cohort", resource: "free-doc-reads-pro" },
  platform: "aws",
  previewBlind:
    "an invoke whose inputs are unknown (new tables' ARNs) returns an unknown result with no dependencies (@pulumi/pulumi invokeAsync), so at the first preview the policy carries no trace of the tables; it is caught once the tables exist (every later preview and `up`).",
  program: () => {
    const { free, pro } = awsTwoCohorts();
    const doc = aws.iam.getPolicyDocumentOutput({
      statements: [
        { effect: "Allow", actions: ["dynamodb:GetItem"], resources: [free.table.arn] },
        { effect: "Allow", actions: ["dynamodb:Query"], resources: [pro.table.arn] },
      ],
    });
    new aws.iam.RolePolicy("free-doc-reads-pro", { role: free.taskRole.id, policy: doc.json });
  },
};
