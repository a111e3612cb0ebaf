import * as aws from "@pulumi/aws";
import { cohortTags } from "../../../../components/identity.js";
import { awsTwoCohorts } from "../baseline/aws.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "cohort-health-alarm", resource: "pro-latency" },
  platform: "aws",
  program: () => {
    const { edge, free } = awsTwoCohorts();
    new aws.cloudwatch.MetricAlarm("pro-latency", {
      name: "cohort-pro-latency",
      comparisonOperator: "GreaterThanThreshold",
      evaluationPeriods: 3,
      metricName: "TargetResponseTime",
      namespace: "AWS/ApplicationELB",
      period: 60,
      extendedStatistic: "p99",
      threshold: 1.5,
      dimensions: { TargetGroup: free.targetGroup.arnSuffix, LoadBalancer: edge.lb.arnSuffix },
      tags: cohortTags("pro"),
    });
  },
};
