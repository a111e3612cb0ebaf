import * as k8s from "@pulumi/kubernetes";
import { cohortTags } from "../../../../components/identity.js";
import { GATEWAY_NAMESPACE, k8sTwoCohorts } from "../baseline/kubernetes.js";
import type { LegalCase } from "../shapes.js";

export const legal: LegalCase = {
  why: "A ReferenceGrant from the shared gateway namespace (not from another cohort), a StatefulSet whose claim templates carry no label (they inherit the cohort namespace), and an allow-list policy that names the gateway namespace exactly.",
  platform: "kubernetes",
  program: () => {
    k8sTwoCohorts();
    new k8s.apiextensions.CustomResource("free-grant-gateway", {
      apiVersion: "gateway.networking.k8s.io/v1beta1",
      kind: "ReferenceGrant",
      metadata: { name: "allow-gateway", namespace: "cohort-free", labels: cohortTags("free") },
      spec: {
        from: [
          { group: "gateway.networking.k8s.io", kind: "Gateway", namespace: GATEWAY_NAMESPACE },
        ],
        to: [{ group: "", kind: "Service" }],
      },
    });
    const labels = cohortTags("pro");
    new k8s.apps.v1.StatefulSet("pro-cache", {
      metadata: { name: "cache", namespace: "cohort-pro", labels },
      spec: {
        serviceName: "cache",
        selector: { matchLabels: { app: "cache" } },
        template: {
          metadata: { labels: { app: "cache", ...labels } },
          spec: {
            containers: [
              {
                name: "cache",
                image: "example/cache:7.2.4",
                env: [{ name: "PEER", value: "cache-0.cache.cohort-pro.svc.cluster.local" }],
              },
            ],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: "data" },
            spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "5Gi" } } },
          },
        ],
      },
    });
  },
};
