import * as k8s from "@pulumi/kubernetes";
import { cohortTags } from "../../../../components/identity.js";
import { k8sTwoCohorts } from "../baseline/kubernetes.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "k8s-no-cross-namespace-pvc-source", resource: "free-restore" },
  platform: "kubernetes",
  program: () => {
    k8sTwoCohorts();
    // Cross-namespace data sources copy pro's snapshot into free's volume.
    new k8s.core.v1.PersistentVolumeClaim("free-restore", {
      metadata: { name: "restore", namespace: "cohort-free", labels: cohortTags("free") },
      spec: {
        accessModes: ["ReadWriteOnce"],
        resources: { requests: { storage: "10Gi" } },
        dataSourceRef: {
          apiGroup: "snapshot.storage.k8s.io",
          kind: "VolumeSnapshot",
          name: "nightly",
          namespace: "cohort-pro",
        },
      },
    });
  },
};
