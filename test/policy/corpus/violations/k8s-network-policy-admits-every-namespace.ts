import * as k8s from "@pulumi/kubernetes";
import { cohortTags } from "../../../../components/identity.js";
import { k8sTwoCohorts } from "../baseline/kubernetes.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "k8s-default-deny", resource: "pro-allow-metrics" },
  platform: "kubernetes",
  program: () => {
    k8sTwoCohorts();
    // `namespaceSelector: {}` selects every namespace, so every cohort's pods get in.
    new k8s.networking.v1.NetworkPolicy("pro-allow-metrics", {
      metadata: { name: "allow-metrics", namespace: "cohort-pro", labels: cohortTags("pro") },
      spec: {
        podSelector: {},
        policyTypes: ["Ingress"],
        ingress: [{ from: [{ namespaceSelector: {} }], ports: [{ port: 9090 }] }],
      },
    });
  },
};
