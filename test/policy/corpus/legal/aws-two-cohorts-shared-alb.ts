import { awsTwoCohorts } from "../baseline/aws.js";
import type { LegalCase } from "../shapes.js";

export const legal: LegalCase = {
  why: "Two cohorts behind one shared ALB listener whose default is a fixed 404; each rule forwards its header match to its own target group, grants list the table plus its /index/*.",
  platform: "aws",
  program: () => {
    awsTwoCohorts();
  },
};
