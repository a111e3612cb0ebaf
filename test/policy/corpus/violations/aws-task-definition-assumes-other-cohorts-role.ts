import * as aws from "@pulumi/aws";
import { cohortTags } from "../../../../components/identity.js";
import { awsTwoCohorts } from "../baseline/aws.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "compute-stays-in-cohort", resource: "pro-batch" },
  platform: "aws",
  program: () => {
    const { free } = awsTwoCohorts();
    new aws.ecs.TaskDefinition("pro-batch", {
      family: "svc-dev-pro-batch",
      cpu: "256",
      memory: "512",
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      taskRoleArn: free.taskRole.arn,
      containerDefinitions: JSON.stringify([{ name: "batch", image: "example/batch:1.0.0" }]),
      tags: cohortTags("pro"),
    });
  },
};
