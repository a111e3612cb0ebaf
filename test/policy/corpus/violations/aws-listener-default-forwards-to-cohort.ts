import * as aws from "@pulumi/aws";
import { ingressTags } from "../../../../components/identity.js";
import { awsTwoCohorts } from "../baseline/aws.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "routes-stay-in-cohort", resource: "edge-http" },
  platform: "aws",
  program: () => {
    const { edge, free } = awsTwoCohorts();
    new aws.lb.Listener("edge-http", {
      loadBalancerArn: edge.lb.arn,
      port: 80,
      protocol: "HTTP",
      defaultActions: [{ type: "forward", targetGroupArn: free.targetGroup.arn }],
      tags: ingressTags(),
    });
  },
};
