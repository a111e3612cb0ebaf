import * as k8s from "@pulumi/kubernetes";
import { cohortTags } from "../../../../components/identity.js";
import { k8sTwoCohorts } from "../baseline/kubernetes.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "compute-stays-in-cohort", resource: "pro-migrator" },
  platform: "kubernetes",
  program: () => {
    k8sTwoCohorts();
    // Labelled pro, deployed into free's namespace: it runs with free's network and storage.
    new k8s.batch.v1.Job("pro-migrator", {
      metadata: { name: "migrator", namespace: "cohort-free", labels: cohortTags("pro") },
      spec: {
        template: {
          spec: {
            restartPolicy: "Never",
            containers: [{ name: "migrate", image: "example/migrate:1.0.0" }],
          },
        },
      },
    });
  },
};
