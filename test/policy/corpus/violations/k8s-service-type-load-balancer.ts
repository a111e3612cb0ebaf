import * as k8s from "@pulumi/kubernetes";
import { cohortTags } from "../../../../components/identity.js";
import { k8sTwoCohorts } from "../baseline/kubernetes.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "k8s-quota-forbids-external-services", resource: "pro-public" },
  platform: "kubernetes",
  program: () => {
    k8sTwoCohorts();
    // Its own cloud load balancer: traffic reaches pro without passing the shared router.
    new k8s.core.v1.Service("pro-public", {
      metadata: { name: "public", namespace: "cohort-pro", labels: cohortTags("pro") },
      spec: {
        type: "LoadBalancer",
        selector: { app: "app" },
        ports: [{ port: 443, targetPort: 8080 }],
      },
    });
  },
};
