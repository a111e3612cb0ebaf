import * as aws from "@pulumi/aws";
import { awsTwoCohorts } from "../baseline/aws.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "storage-cohort-marker", resource: "uploads-fs" },
  platform: "aws",
  program: () => {
    awsTwoCohorts();
    new aws.efs.FileSystem("uploads-fs", { encrypted: true });
  },
};
