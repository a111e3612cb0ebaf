import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsTwoCohorts } from "../baseline/aws.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  // Principal "*" without a condition: every role of every cohort (and every account) may read.
  expected: { rule: "iam-grant-single-cohort", resource: "free-bucket-open" },
  platform: "aws",
  previewBlind:
    "the whole document is one string built from the new bucket's unknown ARN, so at the first preview its statements cannot be read (a document passed as an object, or over existing buckets, is judged at preview).",
  program: () => {
    const { free } = awsTwoCohorts();
    new aws.s3.BucketPolicy("free-bucket-open", {
      bucket: free.bucket.id,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: "*",
            Action: ["s3:GetObject"],
            Resource: [pulumi.interpolate`${free.bucket.arn}/*`],
          },
        ],
      }),
    });
  },
};
