import * as aws from "@pulumi/aws";
import { awsTwoCohorts } from "../baseline/aws.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "storage-cohort-marker", resource: "sessions-cache" },
  platform: "aws",
  program: () => {
    awsTwoCohorts();
    // One Redis for "all cohorts": a noisy free tenant evicts enterprise sessions.
    new aws.elasticache.ReplicationGroup("sessions-cache", {
      description: "sessions for every cohort",
      engine: "redis",
      nodeType: "cache.t4g.small",
      numCacheClusters: 2,
      tags: { cohort: "free|pro|enterprise" },
    });
  },
};
