import * as aws from "@pulumi/aws";
import { cohortTags } from "../../../../components/identity.js";
import { awsTwoCohorts } from "../baseline/aws.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "routes-stay-in-cohort", resource: "pro-any-rule" },
  platform: "aws",
  program: () => {
    const { edge, pro } = awsTwoCohorts();
    new aws.lb.ListenerRule("pro-any-rule", {
      listenerArn: edge.listener.arn,
      priority: 200,
      conditions: [{ httpHeader: { httpHeaderName: "X-Customer-Cohort", values: ["*"] } }],
      actions: [{ type: "forward", targetGroupArn: pro.targetGroup.arn }],
      tags: cohortTags("pro"),
    });
  },
};
