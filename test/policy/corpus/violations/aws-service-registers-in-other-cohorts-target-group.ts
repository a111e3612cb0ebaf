import * as aws from "@pulumi/aws";
import { cohortTags } from "../../../../components/identity.js";
import { awsTwoCohorts } from "../baseline/aws.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "compute-stays-in-cohort", resource: "pro-canary" },
  platform: "aws",
  program: () => {
    const { free, pro } = awsTwoCohorts();
    new aws.ecs.Service("pro-canary", {
      cluster: pro.cluster.arn,
      taskDefinition: pro.taskDefinition.arn,
      desiredCount: 1,
      launchType: "FARGATE",
      loadBalancers: [
        { targetGroupArn: free.targetGroup.arn, containerName: "app", containerPort: 8080 },
      ],
      tags: cohortTags("pro"),
    });
  },
};
