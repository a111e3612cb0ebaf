import { asRecord, cohortOfNamespace, k8sMeta } from "../lib/cohort-of.js";
import { describe } from "../lib/graph.js";
import { stackRule, type Finding } from "../lib/rule.js";
import { T } from "../lib/types.js";

export const K8S_QUOTA_FORBIDS_EXTERNAL_SERVICES = "k8s-quota-forbids-external-services";

function isZero(value: unknown): boolean {
  return value === 0 || value === "0";
}

export const k8sQuotaForbidsExternalServices = stackRule(
  {
    name: K8S_QUOTA_FORBIDS_EXTERNAL_SERVICES,
    description:
      "Every cohort namespace has a ResourceQuota with services.loadbalancers and services.nodeports set to 0, and no LoadBalancer/NodePort Service, so no cohort opens an ingress that bypasses the shared router.",
  },
  (graph) => {
    const findings: Finding[] = [];
    const quotas = graph.ofType(T.k8sQuota);
    for (const ns of graph.ofType(T.k8sNamespace)) {
      const name = k8sMeta(ns.props).name;
      const cohort = cohortOfNamespace(name) ?? ns.cohort;
      if (cohort === undefined || name === undefined) continue;
      const ok = quotas.some((q) => {
        if (k8sMeta(q.props).namespace !== name) return false;
        const hard = asRecord(asRecord(q.props["spec"])?.["hard"]) ?? {};
        return isZero(hard["services.loadbalancers"]) && isZero(hard["services.nodeports"]);
      });
      if (!ok) {
        findings.push({
          urn: ns.urn,
          name: ns.name,
          message: `${describe(ns)} (cohort ${cohort}) has no ResourceQuota forbidding LoadBalancer and NodePort Services, so the cohort can open its own ingress around the shared router. Cohorts involved: ${cohort}. Fix: add a ResourceQuota in "${name}" with hard "services.loadbalancers": "0" and "services.nodeports": "0".`,
        });
      }
    }
    for (const svc of graph.ofType(T.k8sService)) {
      const type = asRecord(svc.props["spec"])?.["type"];
      const cohort = svc.cohort;
      if (cohort !== undefined && (type === "LoadBalancer" || type === "NodePort")) {
        findings.push({
          urn: svc.urn,
          name: svc.name,
          message: `${describe(svc)} (cohort ${cohort}) is of type ${String(type)}, an ingress that bypasses the shared router. Cohorts involved: ${cohort}. Fix: use a ClusterIP Service behind the cohort's HTTPRoute.`,
        });
      }
    }
    return findings;
  },
);
