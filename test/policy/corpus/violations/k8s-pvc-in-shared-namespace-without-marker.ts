import * as k8s from "@pulumi/kubernetes";
import { k8sTwoCohorts } from "../baseline/kubernetes.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "storage-cohort-marker", resource: "shared-uploads" },
  platform: "kubernetes",
  program: () => {
    k8sTwoCohorts();
    // A volume in a namespace of no cohort, labelled for no cohort: whose data is it?
    new k8s.core.v1.PersistentVolumeClaim("shared-uploads", {
      metadata: { name: "uploads", namespace: "shared" },
      spec: { accessModes: ["ReadWriteMany"], resources: { requests: { storage: "100Gi" } } },
    });
  },
};
