import * as k8s from "@pulumi/kubernetes";
import { cohortTags } from "../../../../components/identity.js";
import { k8sTwoCohorts } from "../baseline/kubernetes.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  // An ingress rule with ports but no `from` admits every source: every namespace, every cohort.
  expected: { rule: "k8s-default-deny", resource: "free-open-port" },
  platform: "kubernetes",
  program: () => {
    k8sTwoCohorts();
    new k8s.networking.v1.NetworkPolicy("free-open-port", {
      metadata: { name: "allow-8080", namespace: "cohort-free", labels: cohortTags("free") },
      spec: {
        podSelector: { matchLabels: { app: "app" } },
        policyTypes: ["Ingress"],
        ingress: [{ ports: [{ port: 8080, protocol: "TCP" }] }],
      },
    });
  },
};
