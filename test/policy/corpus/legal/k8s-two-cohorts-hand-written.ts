import { k8sTwoCohorts } from "../baseline/kubernetes.js";
import type { LegalCase } from "../shapes.js";

export const legal: LegalCase = {
  why: "Two hand-written cohort namespaces: default deny plus an allow-list naming the gateway namespace, a quota with zero LoadBalancers/NodePorts, pods whose env names a Service of their own namespace, and one HTTPRoute per cohort on the same hostname, told apart by the cohort header.",
  platform: "kubernetes",
  program: () => {
    k8sTwoCohorts();
  },
};
