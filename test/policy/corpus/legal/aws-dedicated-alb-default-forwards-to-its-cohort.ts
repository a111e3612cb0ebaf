import * as aws from "@pulumi/aws";
import { cohortTags } from "../../../../components/identity.js";
import { awsTwoCohorts } from "../baseline/aws.js";
import type { LegalCase } from "../shapes.js";

export const legal: LegalCase = {
  why: "Enterprise has a dedicated ALB whose listener's default action forwards to enterprise's target group: a default route to a cohort is legal when the whole load balancer belongs to that cohort.",
  platform: "aws",
  program: () => {
    awsTwoCohorts();
    const tags = cohortTags("enterprise");
    const lb = new aws.lb.LoadBalancer("enterprise-alb", {
      name: "svc-dev-enterprise-alb",
      loadBalancerType: "application",
      subnets: ["subnet-a", "subnet-b"],
      tags,
    });
    const tg = new aws.lb.TargetGroup("enterprise-tg", {
      name: "svc-dev-enterprise-tg",
      port: 8080,
      protocol: "HTTP",
      targetType: "ip",
      vpcId: "vpc-123",
      tags,
    });
    new aws.lb.Listener("enterprise-https", {
      loadBalancerArn: lb.arn,
      port: 443,
      protocol: "HTTPS",
      certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/enterprise",
      defaultActions: [{ type: "forward", targetGroupArn: tg.arn }],
      tags,
    });
    new aws.cloudwatch.MetricAlarm("enterprise-5xx", {
      name: "cohort-enterprise-5xx",
      comparisonOperator: "GreaterThanThreshold",
      evaluationPeriods: 3,
      metricName: "HTTPCode_ELB_5XX_Count",
      namespace: "AWS/ApplicationELB",
      period: 60,
      statistic: "Sum",
      threshold: 5,
      dimensions: { LoadBalancer: lb.arnSuffix },
      tags,
    });
  },
};
