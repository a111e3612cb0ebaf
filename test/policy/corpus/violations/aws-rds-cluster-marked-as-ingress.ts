import * as aws from "@pulumi/aws";
import { ingressTags } from "../../../../components/identity.js";
import { awsTwoCohorts } from "../baseline/aws.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "storage-cohort-marker", resource: "sessions-db" },
  platform: "aws",
  program: () => {
    awsTwoCohorts();
    new aws.rds.Cluster("sessions-db", {
      clusterIdentifier: "svc-dev-sessions",
      engine: "aurora-postgresql",
      masterUsername: "app",
      manageMasterUserPassword: true,
      tags: ingressTags(),
    });
  },
};
