import * as k8s from "@pulumi/kubernetes";
import { cohortTags } from "../../../../components/identity.js";
import { GATEWAY_NAMESPACE, k8sTwoCohorts } from "../baseline/kubernetes.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "routes-stay-in-cohort", resource: "free-route-beta" },
  platform: "kubernetes",
  program: () => {
    k8sTwoCohorts();
    // Lives in free's namespace and forwards to free's Service, but matches pro's header value.
    new k8s.apiextensions.CustomResource("free-route-beta", {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: "beta", namespace: "cohort-free", labels: cohortTags("free") },
      spec: {
        parentRefs: [{ name: "public", namespace: GATEWAY_NAMESPACE, sectionName: "https" }],
        hostnames: ["beta.example.com"],
        rules: [
          {
            matches: [{ headers: [{ type: "Exact", name: "x-customer-cohort", value: "pro" }] }],
            backendRefs: [{ name: "app", port: 80 }],
          },
        ],
      },
    });
  },
};
