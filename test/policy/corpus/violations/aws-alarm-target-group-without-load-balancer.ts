import * as aws from "@pulumi/aws";
import { cohortTags } from "../../../../components/identity.js";
import { awsTwoCohorts } from "../baseline/aws.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "cohort-health-alarm", resource: "free-5xx" },
  platform: "aws",
  program: () => {
    const { free } = awsTwoCohorts();
    new aws.cloudwatch.MetricAlarm("free-5xx", {
      name: "cohort-free-5xx",
      comparisonOperator: "GreaterThanThreshold",
      evaluationPeriods: 3,
      metricName: "HTTPCode_Target_5XX_Count",
      namespace: "AWS/ApplicationELB",
      period: 60,
      statistic: "Sum",
      threshold: 5,
      dimensions: { TargetGroup: free.targetGroup.arnSuffix },
      tags: cohortTags("free"),
    });
  },
};
