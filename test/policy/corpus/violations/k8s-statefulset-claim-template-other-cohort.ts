import * as k8s from "@pulumi/kubernetes";
import { cohortTags } from "../../../../components/identity.js";
import { k8sTwoCohorts } from "../baseline/kubernetes.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "storage-cohort-marker", resource: "free-cache" },
  platform: "kubernetes",
  program: () => {
    k8sTwoCohorts();
    const labels = cohortTags("free");
    new k8s.apps.v1.StatefulSet("free-cache", {
      metadata: { name: "cache", namespace: "cohort-free", labels },
      spec: {
        serviceName: "cache",
        selector: { matchLabels: { app: "cache" } },
        template: {
          metadata: { labels: { app: "cache", ...labels } },
          spec: { containers: [{ name: "cache", image: "example/cache:7.2.4" }] },
        },
        // Copy-pasted from pro: the claims say pro while living in free's namespace.
        volumeClaimTemplates: [
          {
            metadata: { name: "data", labels: cohortTags("pro") },
            spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "5Gi" } } },
          },
        ],
      },
    });
  },
};
