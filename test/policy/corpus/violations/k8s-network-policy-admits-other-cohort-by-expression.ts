import * as k8s from "@pulumi/kubernetes";
import { cohortTags } from "../../../../components/identity.js";
import { k8sTwoCohorts } from "../baseline/kubernetes.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  // The namespace is selected by matchExpressions, not matchLabels.
  expected: { rule: "k8s-default-deny", resource: "free-admits-pro-expr" },
  platform: "kubernetes",
  program: () => {
    k8sTwoCohorts();
    new k8s.networking.v1.NetworkPolicy("free-admits-pro-expr", {
      metadata: { name: "allow-pro", namespace: "cohort-free", labels: cohortTags("free") },
      spec: {
        podSelector: {},
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: [
              {
                namespaceSelector: {
                  matchExpressions: [
                    {
                      key: "kubernetes.io/metadata.name",
                      operator: "In",
                      values: ["gateway-system", "cohort-pro"],
                    },
                  ],
                },
              },
            ],
          },
        ],
      },
    });
  },
};
