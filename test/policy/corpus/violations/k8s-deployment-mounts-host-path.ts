import * as k8s from "@pulumi/kubernetes";
import { cohortTags } from "../../../../components/identity.js";
import { k8sTwoCohorts } from "../baseline/kubernetes.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "k8s-no-host-path", resource: "free-log-shipper" },
  platform: "kubernetes",
  program: () => {
    k8sTwoCohorts();
    const labels = cohortTags("free");
    new k8s.apps.v1.Deployment("free-log-shipper", {
      metadata: { name: "log-shipper", namespace: "cohort-free", labels },
      spec: {
        selector: { matchLabels: { app: "log-shipper" } },
        template: {
          metadata: { labels: { app: "log-shipper", ...labels } },
          spec: {
            containers: [{ name: "shipper", image: "example/shipper:2.0.1" }],
            // The node's disk holds every cohort's pod logs.
            volumes: [{ name: "varlog", hostPath: { path: "/var/log/pods" } }],
          },
        },
      },
    });
  },
};
