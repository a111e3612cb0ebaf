import * as aws from "@pulumi/aws";
import { awsTwoCohorts } from "../baseline/aws.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "storage-cohort-marker", resource: "shared-exports" },
  platform: "aws",
  program: () => {
    awsTwoCohorts();
    // The deprecated BucketV2 token must be covered as well as aws:s3/bucket:Bucket.
    new aws.s3.BucketV2("shared-exports", {
      bucket: "svc-dev-exports",
      tags: { cohort: "free,pro" },
    });
  },
};
