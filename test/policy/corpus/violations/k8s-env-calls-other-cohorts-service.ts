import * as k8s from "@pulumi/kubernetes";
import { cohortTags } from "../../../../components/identity.js";
import { k8sTwoCohorts } from "../baseline/kubernetes.js";
import type { ViolationCase } from "../shapes.js";

export const violation: ViolationCase = {
  expected: { rule: "compute-stays-in-cohort", resource: "free-report-builder" },
  platform: "kubernetes",
  program: () => {
    k8sTwoCohorts();
    const labels = cohortTags("free");
    new k8s.apps.v1.Deployment("free-report-builder", {
      metadata: { name: "report-builder", namespace: "cohort-free", labels },
      spec: {
        selector: { matchLabels: { app: "report-builder" } },
        template: {
          metadata: { labels: { app: "report-builder", ...labels } },
          spec: {
            containers: [
              {
                name: "builder",
                image: "example/reports:3.1.0",
                env: [{ name: "DATA_API", value: "http://app.cohort-pro.svc.cluster.local:80" }],
              },
            ],
          },
        },
      },
    });
  },
};
