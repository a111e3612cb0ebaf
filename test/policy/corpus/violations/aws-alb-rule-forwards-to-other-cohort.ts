import * as aws from "@pulumi/aws";
import { cohortTags } from "../../../../components/identity.js";
import { awsTwoCohorts } from "../baseline/aws.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "routes-stay-in-cohort", resource: "free-mobile-rule" },
  platform: "aws",
  program: () => {
    const { edge, pro } = awsTwoCohorts();
    // The older aws:alb token must be covered as well as aws:lb.
    new aws.alb.ListenerRule("free-mobile-rule", {
      listenerArn: edge.listener.arn,
      priority: 90,
      conditions: [
        { hostHeader: { values: ["m.example.com"] } },
        { httpHeader: { httpHeaderName: "x-customer-cohort", values: ["free"] } },
      ],
      actions: [{ type: "forward", targetGroupArn: pro.targetGroup.arn }],
      tags: cohortTags("free"),
    });
  },
};
