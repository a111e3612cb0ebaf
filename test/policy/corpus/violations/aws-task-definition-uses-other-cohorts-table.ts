import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { cohortTags } from "../../../../components/identity.js";
import { awsTwoCohorts } from "../baseline/aws.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "compute-stays-in-cohort", resource: "free-worker" },
  platform: "aws",
  program: () => {
    const { free, pro } = awsTwoCohorts();
    new aws.ecs.TaskDefinition("free-worker", {
      family: "svc-dev-free-worker",
      cpu: "256",
      memory: "512",
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      taskRoleArn: free.taskRole.arn,
      containerDefinitions: pulumi.jsonStringify([
        {
          name: "worker",
          image: "example/worker:2.0.1",
          environment: [{ name: "TABLE_NAME", value: pro.table.name }],
        },
      ]),
      tags: cohortTags("free"),
    });
  },
};
