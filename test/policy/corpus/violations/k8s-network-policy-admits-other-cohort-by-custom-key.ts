import * as k8s from "@pulumi/kubernetes";
import { k8sTwoCohorts } from "../baseline/kubernetes.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  // The team's cohort label key is `tenant` (rule config cohortTagKey); the peer selects pro's.
  expected: { rule: "k8s-default-deny", resource: "free-admits-tenant-pro" },
  platform: "kubernetes",
  config: { "k8s-default-deny": { cohortTagKey: "tenant" } },
  program: () => {
    k8sTwoCohorts();
    new k8s.networking.v1.NetworkPolicy("free-admits-tenant-pro", {
      metadata: { name: "allow-tenant-pro", namespace: "cohort-free" },
      spec: {
        podSelector: {},
        policyTypes: ["Ingress"],
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { tenant: "pro" } } }] }],
      },
    });
  },
};
