import * as aws from "@pulumi/aws";
import { awsTwoCohorts } from "../baseline/aws.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "routes-stay-in-cohort", resource: "pro-split-rule" },
  platform: "aws",
  program: () => {
    const { edge, free, pro } = awsTwoCohorts();
    new aws.lb.ListenerRule("pro-split-rule", {
      listenerArn: edge.listener.arn,
      priority: 120,
      conditions: [{ httpHeader: { httpHeaderName: "x-customer-cohort", values: ["pro"] } }],
      actions: [
        {
          type: "forward",
          forward: {
            targetGroups: [
              { arn: pro.targetGroup.arn, weight: 90 },
              { arn: free.targetGroup.arn, weight: 10 },
            ],
          },
        },
      ],
    });
  },
};
