import * as k8s from "@pulumi/kubernetes";
import { cohortNamespace, cohortTags } from "../../../../components/identity.js";
import { GATEWAY_NAMESPACE, k8sTwoCohorts } from "../baseline/kubernetes.js";
import type { LegalCase } from "../shapes.js";

export const legal: LegalCase = {
  why: "Each cohort also publishes a partner route on a shared hostname selected by its own first path segment (/free, /pro) with no header match: not a catch-all, and not a duplicate of the other cohort's route.",
  platform: "kubernetes",
  program: () => {
    k8sTwoCohorts();
    for (const c of ["free", "pro"]) {
      new k8s.apiextensions.CustomResource(`${c}-partner-route`, {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: { name: "partner-route", namespace: cohortNamespace(c), labels: cohortTags(c) },
        spec: {
          parentRefs: [{ name: "public", namespace: GATEWAY_NAMESPACE, sectionName: "https" }],
          hostnames: ["partners.example.com"],
          rules: [
            {
              matches: [{ path: { type: "PathPrefix", value: `/${c}` } }],
              backendRefs: [{ name: "app", port: 80 }],
            },
          ],
        },
      });
    }
  },
};
