import * as k8s from "@pulumi/kubernetes";
import { cohortTags } from "../../../../components/identity.js";
import { k8sTwoCohorts } from "../baseline/kubernetes.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "k8s-quota-forbids-external-services", resource: "ns-free" },
  platform: "kubernetes",
  program: () => {
    k8sTwoCohorts({ free: { noQuota: true } });
    // A quota exists, but it caps pods only: LoadBalancer and NodePort Services stay allowed.
    new k8s.core.v1.ResourceQuota("free-pods-only", {
      metadata: { name: "pods", namespace: "cohort-free", labels: cohortTags("free") },
      spec: { hard: { pods: "50", "services.loadbalancers": "2" } },
    });
  },
};
