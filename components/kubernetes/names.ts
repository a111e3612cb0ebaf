/**
 * Kubernetes object names of one cohort. Every object has an explicit name (never autonamed
 * with a random suffix): the namespace is `cohort-<cohort>` (the convention the policy pack
 * reads), and inside it the names are fixed, since the namespace already isolates them.
 */
import { cohortNamespace } from "../identity.js";

export const WORKLOAD = "app";
export const SERVICE_ACCOUNT = "app";
export const ROUTE = "cohort-route";
export const VOLUME = "data";
export const TARGET_GROUP_BINDING = "cohort-target-group";

export interface KubernetesCohortNames {
  namespace: string;
  workload: string;
  service: string;
  serviceAccount: string;
  route: string;
  /** The TargetGroupBinding of the cohort's Service to its own target group. */
  targetGroupBinding: string;
  quota: string;
  limits: string;
  denyAll: string;
  allow: string;
}

export function kubernetesNames(cohort: string): KubernetesCohortNames {
  return {
    namespace: cohortNamespace(cohort),
    workload: WORKLOAD,
    service: WORKLOAD,
    serviceAccount: SERVICE_ACCOUNT,
    route: ROUTE,
    targetGroupBinding: TARGET_GROUP_BINDING,
    quota: "cohort-quota",
    limits: "cohort-limits",
    denyAll: "default-deny",
    allow: "cohort-allow",
  };
}
