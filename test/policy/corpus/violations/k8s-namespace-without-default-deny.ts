import { k8sTwoCohorts } from "../baseline/kubernetes.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "k8s-default-deny", resource: "ns-pro" },
  platform: "kubernetes",
  program: () => {
    // pro keeps its allow-list policy, but nothing denies the rest.
    k8sTwoCohorts({ pro: { noDefaultDeny: true } });
  },
};
