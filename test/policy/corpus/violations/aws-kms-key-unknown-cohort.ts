import * as aws from "@pulumi/aws";
import { awsTwoCohorts } from "../baseline/aws.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "storage-cohort-marker", resource: "audit-key" },
  platform: "aws",
  program: () => {
    awsTwoCohorts();
    new aws.kms.Key("audit-key", { enableKeyRotation: true, tags: { cohort: "Enterprise Tier" } });
  },
};
