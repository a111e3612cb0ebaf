import * as aws from "@pulumi/aws";
import { cohortTags } from "../../../../components/identity.js";
import { awsTwoCohorts } from "../baseline/aws.js";
import type { LegalCase } from "../shapes.js";

export const legal: LegalCase = {
  why: "A weighted forward over two target groups (blue/green) is legal when both belong to the cohort the rule matches.",
  platform: "aws",
  program: () => {
    const { edge, free } = awsTwoCohorts();
    const green = new aws.lb.TargetGroup("free-tg-green", {
      name: "svc-dev-free-tg-green",
      port: 8080,
      protocol: "HTTP",
      targetType: "ip",
      vpcId: "vpc-123",
      tags: cohortTags("free"),
    });
    new aws.lb.ListenerRule("free-canary-rule", {
      listenerArn: edge.listener.arn,
      priority: 90,
      conditions: [
        { hostHeader: { values: ["canary.example.com"] } },
        { httpHeader: { httpHeaderName: "x-customer-cohort", values: ["free"] } },
      ],
      actions: [
        {
          type: "forward",
          forward: {
            targetGroups: [
              { arn: free.targetGroup.arn, weight: 90 },
              { arn: green.arn, weight: 10 },
            ],
          },
        },
      ],
      tags: cohortTags("free"),
    });
  },
};
