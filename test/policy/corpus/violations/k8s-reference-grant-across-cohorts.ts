import * as k8s from "@pulumi/kubernetes";
import { cohortTags } from "../../../../components/identity.js";
import { k8sTwoCohorts } from "../baseline/kubernetes.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "k8s-no-cross-cohort-reference-grant", resource: "pro-grant-free" },
  platform: "kubernetes",
  program: () => {
    k8sTwoCohorts();
    new k8s.apiextensions.CustomResource("pro-grant-free", {
      apiVersion: "gateway.networking.k8s.io/v1beta1",
      kind: "ReferenceGrant",
      metadata: { name: "allow-free", namespace: "cohort-pro", labels: cohortTags("pro") },
      spec: {
        from: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", namespace: "cohort-free" }],
        to: [{ group: "", kind: "Service" }],
      },
    });
  },
};
