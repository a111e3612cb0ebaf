import * as aws from "@pulumi/aws";
import { awsTwoCohorts } from "../baseline/aws.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "storage-cohort-marker", resource: "orphan-table" },
  platform: "aws",
  program: () => {
    awsTwoCohorts();
    new aws.dynamodb.Table("orphan-table", {
      name: "svc-dev-orphans",
      billingMode: "PAY_PER_REQUEST",
      hashKey: "pk",
      attributes: [{ name: "pk", type: "S" }],
      tags: { team: "payments" },
    });
  },
};
