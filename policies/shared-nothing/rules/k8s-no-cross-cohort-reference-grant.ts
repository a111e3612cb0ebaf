import { asArray, asRecord, cohortOfNamespace, k8sMeta } from "../lib/cohort-of.js";
import { resourceRule } from "../lib/rule.js";
import { REFERENCE_GRANT_TYPES } from "../lib/types.js";

export const K8S_NO_CROSS_COHORT_REFERENCE_GRANT = "k8s-no-cross-cohort-reference-grant";

export const k8sNoCrossCohortReferenceGrant = resourceRule(
  {
    name: K8S_NO_CROSS_COHORT_REFERENCE_GRANT,
    description:
      "No Gateway API ReferenceGrant lets one cohort's namespace reference another cohort's Services or Secrets.",
  },
  REFERENCE_GRANT_TYPES,
  (r) => {
    const namespace = k8sMeta(r.props).namespace;
    const own = cohortOfNamespace(namespace);
    if (own === undefined) return [];
    const from = asArray(asRecord(r.props["spec"])?.["from"]);
    return from.flatMap((entry) => {
      const ns = asRecord(entry)?.["namespace"];
      const other = cohortOfNamespace(ns);
      return other !== undefined && other !== own
        ? [
            `${r.type} "${r.name}" in namespace ${namespace ?? "?"} (cohort ${own}) lets namespace ${String(ns)} (cohort ${other}) reference its objects. Cohorts involved: ${own}, ${other}. Fix: delete it; a cohort's routes and backends stay in its own namespace (grants from the shared gateway namespace are fine).`,
          ]
        : [];
    });
  },
);
