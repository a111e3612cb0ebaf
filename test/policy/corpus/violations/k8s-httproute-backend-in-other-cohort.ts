import * as k8s from "@pulumi/kubernetes";
import { cohortTags } from "../../../../components/identity.js";
import { GATEWAY_NAMESPACE, k8sTwoCohorts } from "../baseline/kubernetes.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "routes-stay-in-cohort", resource: "free-route-overflow" },
  platform: "kubernetes",
  program: () => {
    k8sTwoCohorts();
    new k8s.apiextensions.CustomResource("free-route-overflow", {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: "overflow", namespace: "cohort-free", labels: cohortTags("free") },
      spec: {
        parentRefs: [{ name: "public", namespace: GATEWAY_NAMESPACE, sectionName: "https" }],
        hostnames: ["overflow.example.com"],
        rules: [
          {
            matches: [{ headers: [{ type: "Exact", name: "x-customer-cohort", value: "free" }] }],
            backendRefs: [{ name: "app", namespace: "cohort-pro", port: 80 }],
          },
        ],
      },
    });
  },
};
