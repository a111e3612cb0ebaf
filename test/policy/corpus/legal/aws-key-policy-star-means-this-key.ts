import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { cohortTags } from "../../../../components/identity.js";
import { awsTwoCohorts } from "../baseline/aws.js";
import type { LegalCase } from "../shapes.js";

export const legal: LegalCase = {
  why: 'A key policy\'s Resource "*" means "this key", and account-level listing calls (kms:ListAliases) only accept "*": neither is a wildcard grant over other cohorts\' data.',
  platform: "aws",
  program: () => {
    const { free } = awsTwoCohorts();
    new aws.kms.Key("free-files-key", {
      enableKeyRotation: true,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "AccountAdmin",
            Effect: "Allow",
            Principal: { AWS: "arn:aws:iam::123456789012:root" },
            Action: "kms:*",
            Resource: "*",
          },
          {
            Sid: "CohortUse",
            Effect: "Allow",
            Principal: { AWS: free.taskRole.arn },
            Action: ["kms:Decrypt", "kms:GenerateDataKey"],
            Resource: "*",
          },
        ],
      }),
      tags: cohortTags("free"),
    });
    new aws.iam.RolePolicy("free-list-aliases", {
      role: free.taskRole.id,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: ["kms:ListAliases"], Resource: "*" }],
      }),
    });
  },
};
