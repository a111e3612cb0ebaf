import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { cohortTags } from "../../../../components/identity.js";
import { awsCohort, awsEdge } from "../baseline/aws.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "compute-stays-in-cohort", resource: "free-exporter" },
  platform: "aws",
  // One cohort stack: pro-eu's bucket is in another stack; only its literal name is visible here.
  stack: "dev.free",
  config: { "compute-stays-in-cohort": { cohorts: ["free", "pro", "pro-eu"] } },
  program: () => {
    const free = awsCohort("free", awsEdge());
    new aws.ecs.TaskDefinition("free-exporter", {
      family: "svc-dev-free-exporter",
      cpu: "256",
      memory: "512",
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      taskRoleArn: free.taskRole.arn,
      executionRoleArn: free.executionRole.arn,
      containerDefinitions: pulumi.jsonStringify([
        {
          name: "exporter",
          image: "example/exporter:1.2.0",
          environment: [
            { name: "SOURCE_TABLE", value: free.table.name },
            { name: "EXPORT_BUCKET", value: "svc-dev-pro-eu-exports" },
          ],
        },
      ]),
      tags: cohortTags("free"),
    });
  },
};
