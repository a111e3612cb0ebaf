import * as aws from "@pulumi/aws";
import { cohortTags } from "../../../../components/identity.js";
import { awsTwoCohorts } from "../baseline/aws.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "storage-cohort-marker", resource: "free-archive" },
  platform: "aws",
  program: () => {
    const { pro } = awsTwoCohorts();
    new aws.dynamodb.Table("free-archive", {
      name: "svc-dev-free-archive",
      billingMode: "PAY_PER_REQUEST",
      hashKey: "pk",
      attributes: [{ name: "pk", type: "S" }],
      serverSideEncryption: { enabled: true, kmsKeyArn: pro.key.arn },
      tags: cohortTags("free"),
    });
  },
};
