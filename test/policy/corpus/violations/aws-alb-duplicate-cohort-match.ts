import * as aws from "@pulumi/aws";
import { cohortTags } from "../../../../components/identity.js";
import { awsTwoCohorts } from "../baseline/aws.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "routes-stay-in-cohort", resource: "pro-rule-copy" },
  platform: "aws",
  program: () => {
    const { edge, pro } = awsTwoCohorts();
    new aws.lb.ListenerRule("pro-rule-copy", {
      listenerArn: edge.listener.arn,
      priority: 300,
      conditions: [
        { hostHeader: { values: ["api.example.com"] } },
        { httpHeader: { httpHeaderName: "x-customer-cohort", values: ["pro"] } },
      ],
      actions: [{ type: "forward", targetGroupArn: pro.targetGroup.arn }],
      tags: cohortTags("pro"),
    });
  },
  previewBlind:
    "at preview the listener ARN is unknown, so two rules cannot be proven to share a listener",
};
