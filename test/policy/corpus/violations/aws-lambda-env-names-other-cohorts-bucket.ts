import * as aws from "@pulumi/aws";
import { cohortTags } from "../../../../components/identity.js";
import { awsTwoCohorts } from "../baseline/aws.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "compute-stays-in-cohort", resource: "free-thumbnailer" },
  platform: "aws",
  program: () => {
    awsTwoCohorts();
    const role = new aws.iam.Role("free-fn-role", {
      name: "svc-dev-free-fn",
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
      tags: cohortTags("free"),
    });
    // A hard-coded physical name, not an Output: caught by value, at preview too.
    new aws.lambda.Function("free-thumbnailer", {
      packageType: "Image",
      imageUri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/thumbs:1.0.0",
      role: role.arn,
      environment: { variables: { BUCKET: "svc-dev-pro-bucket" } },
      tags: cohortTags("free"),
    });
    new aws.cloudwatch.MetricAlarm("free-fn-errors", {
      name: "cohort-free-fn-errors",
      comparisonOperator: "GreaterThanThreshold",
      evaluationPeriods: 2,
      metricName: "Errors",
      namespace: "AWS/Lambda",
      period: 60,
      statistic: "Sum",
      threshold: 0,
      dimensions: { Cohort: "free" },
      tags: cohortTags("free"),
    });
  },
};
