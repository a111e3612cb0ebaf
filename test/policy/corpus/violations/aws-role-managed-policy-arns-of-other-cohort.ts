import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { cohortTags } from "../../../../components/identity.js";
import { awsTwoCohorts } from "../baseline/aws.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  // Role.managedPolicyArns (deprecated but still accepted) attaches pro's managed policy to a free role.
  expected: { rule: "iam-grant-single-cohort", resource: "free-worker-role" },
  platform: "aws",
  program: () => {
    const { pro } = awsTwoCohorts();
    const proData = new aws.iam.Policy("pro-data-policy", {
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: ["dynamodb:GetItem"], Resource: [pro.table.arn] }],
      }),
    });
    new aws.iam.Role("free-worker-role", {
      name: "svc-dev-free-worker",
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "ecs-tasks.amazonaws.com" },
            Action: "sts:AssumeRole",
          },
        ],
      }),
      managedPolicyArns: [proData.arn],
      tags: cohortTags("free"),
    });
  },
};
