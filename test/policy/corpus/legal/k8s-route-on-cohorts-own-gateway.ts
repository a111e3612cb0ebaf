import * as k8s from "@pulumi/kubernetes";
import { cohortTags } from "../../../../components/identity.js";
import { k8sCohort, k8sGateway } from "../baseline/kubernetes.js";
import type { LegalCase } from "../shapes.js";

export const legal: LegalCase = {
  why: "Pro has dedicated ingress: a Gateway in its own namespace and an HTTPRoute attached only to it that forwards everything to pro's Service. A catch-all is legal when the whole gateway belongs to that cohort (the Kubernetes twin of a dedicated ALB).",
  platform: "kubernetes",
  program: () => {
    k8sGateway();
    k8sCohort("free");
    k8sCohort("pro", { noRoute: true });
    const labels = cohortTags("pro");
    new k8s.apiextensions.CustomResource("pro-gateway", {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "Gateway",
      metadata: { name: "pro-dedicated", namespace: "cohort-pro", labels },
      spec: {
        gatewayClassName: "aws-alb",
        listeners: [{ name: "https", port: 443, protocol: "HTTPS" }],
      },
    });
    new k8s.apiextensions.CustomResource("pro-dedicated-route", {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: "dedicated", namespace: "cohort-pro", labels },
      spec: {
        parentRefs: [{ name: "pro-dedicated", sectionName: "https" }],
        hostnames: ["acme-corp.example.com"],
        rules: [{ backendRefs: [{ name: "app", port: 80 }] }],
      },
    });
  },
};
