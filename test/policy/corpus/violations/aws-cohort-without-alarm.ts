import { awsTwoCohorts } from "../baseline/aws.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "cohort-health-alarm", resource: "pro-service" },
  platform: "aws",
  program: () => {
    awsTwoCohorts({ pro: { noAlarm: true } });
  },
};
