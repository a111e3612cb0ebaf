import { awsCohort, awsEdge } from "../baseline/aws.js";
import type { LegalCase } from "../shapes.js";

export const legal: LegalCase = {
  why: "Cohorts pro and pro-eu: every physical name of pro (svc-dev-pro-…) is a prefix of pro-eu's, yet each grant, env var and rule names only its own cohort's resources, so nothing may be matched by prefix.",
  platform: "aws",
  program: () => {
    const edge = awsEdge();
    awsCohort("pro", edge, { priority: 100 });
    awsCohort("pro-eu", edge, { priority: 110 });
  },
};
