import * as aws from "@pulumi/aws";
import { cohortTags } from "../../../../components/identity.js";
import { awsTwoCohorts } from "../baseline/aws.js";
import type { LegalCase } from "../shapes.js";

export const legal: LegalCase = {
  why: "Path-based cohort routing (/free/* to free, /pro/* to pro) on a partner hostname: a rule without the cohort header still selects exactly one cohort, so it is not a default route.",
  platform: "aws",
  program: () => {
    const { edge, free, pro } = awsTwoCohorts();
    for (const [c, tg, priority] of [
      ["free", free.targetGroup, 300],
      ["pro", pro.targetGroup, 310],
    ] as const) {
      new aws.lb.ListenerRule(`${c}-partner-rule`, {
        listenerArn: edge.listener.arn,
        priority,
        conditions: [
          { hostHeader: { values: ["partners.example.com"] } },
          { pathPattern: { values: [`/${c}/*`] } },
        ],
        actions: [{ type: "forward", targetGroupArn: tg.arn }],
        tags: cohortTags(c),
      });
    }
  },
};
