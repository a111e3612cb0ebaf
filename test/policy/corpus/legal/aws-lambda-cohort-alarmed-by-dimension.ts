import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { cohortTags } from "../../../../components/identity.js";
import { awsTwoCohorts } from "../baseline/aws.js";
import type { LegalCase } from "../shapes.js";

export const legal: LegalCase = {
  why: "A Lambda per cohort whose environment names its own table and bucket, with a role granting only those ARNs, alarmed on its own function name: the same env keys in both cohorts must not be confused.",
  platform: "aws",
  program: () => {
    const cohorts = awsTwoCohorts();
    for (const c of ["free", "pro"] as const) {
      const own = cohorts[c];
      const tags = cohortTags(c);
      const role = new aws.iam.Role(`${c}-fn-role`, {
        name: `svc-dev-${c}-fn`,
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "lambda.amazonaws.com" },
              Action: "sts:AssumeRole",
            },
          ],
        }),
        tags,
      });
      new aws.iam.RolePolicy(`${c}-fn-data`, {
        role: role.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: ["dynamodb:GetItem"], Resource: [own.table.arn] },
            {
              Effect: "Allow",
              Action: ["s3:GetObject"],
              Resource: [pulumi.interpolate`${own.bucket.arn}/*`],
            },
          ],
        }),
      });
      const fn = new aws.lambda.Function(`${c}-fn`, {
        name: `svc-dev-${c}-fn`,
        packageType: "Image",
        imageUri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/fn:1.0.0",
        role: role.arn,
        reservedConcurrentExecutions: 10,
        environment: { variables: { TABLE: own.table.name, BUCKET: own.bucket.bucket } },
        tags,
      });
      new aws.cloudwatch.MetricAlarm(`${c}-fn-errors`, {
        name: `cohort-${c}-fn-errors`,
        comparisonOperator: "GreaterThanThreshold",
        evaluationPeriods: 2,
        metricName: "Errors",
        namespace: "AWS/Lambda",
        period: 60,
        statistic: "Sum",
        threshold: 0,
        dimensions: { FunctionName: fn.name },
        tags,
      });
    }
  },
};
