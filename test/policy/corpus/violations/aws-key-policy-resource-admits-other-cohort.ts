import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsTwoCohorts } from "../baseline/aws.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  // The key policy as its own resource (aws.kms.KeyPolicy), not the Key's `policy` input.
  expected: { rule: "iam-grant-single-cohort", resource: "free-key-policy" },
  platform: "aws",
  program: () => {
    const { free, pro } = awsTwoCohorts();
    new aws.kms.KeyPolicy("free-key-policy", {
      keyId: free.key.id,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { AWS: pro.taskRole.arn },
            Action: ["kms:Decrypt"],
            Resource: "*",
          },
        ],
      }),
    });
  },
};
