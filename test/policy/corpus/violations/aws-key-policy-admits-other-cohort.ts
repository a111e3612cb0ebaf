import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { cohortTags } from "../../../../components/identity.js";
import { awsTwoCohorts } from "../baseline/aws.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "iam-grant-single-cohort", resource: "pro-reports-key" },
  platform: "aws",
  program: () => {
    const { free, pro } = awsTwoCohorts();
    new aws.kms.Key("pro-reports-key", {
      enableKeyRotation: true,
      tags: cohortTags("pro"),
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "UseByCohortRoles",
            Effect: "Allow",
            Principal: { AWS: [pro.taskRole.arn, free.taskRole.arn] },
            Action: ["kms:Decrypt", "kms:GenerateDataKey"],
            Resource: "*",
          },
        ],
      }),
    });
  },
};
