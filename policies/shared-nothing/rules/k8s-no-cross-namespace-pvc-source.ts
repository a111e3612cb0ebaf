import { asArray, asRecord, cohortOfNamespace, k8sMeta } from "../lib/cohort-of.js";
import { resourceRule } from "../lib/rule.js";
import { T } from "../lib/types.js";

export const K8S_NO_CROSS_NAMESPACE_PVC_SOURCE = "k8s-no-cross-namespace-pvc-source";

function crossSource(claimSpec: unknown, namespace: string | undefined): string | undefined {
  const spec = asRecord(claimSpec) ?? {};
  const ref = asRecord(spec["dataSourceRef"]);
  const ns = ref?.["namespace"];
  if (typeof ns === "string" && ns !== namespace)
    return `${String(ref?.["kind"])} "${String(ref?.["name"])}" in namespace ${ns}`;
  return undefined;
}

export const k8sNoCrossNamespacePvcSource = resourceRule(
  {
    name: K8S_NO_CROSS_NAMESPACE_PVC_SOURCE,
    description:
      "No PersistentVolumeClaim (or StatefulSet claim template) is populated from a volume or snapshot in another namespace.",
  },
  [T.k8sPvc, T.k8sStatefulSet],
  (r) => {
    const namespace = k8sMeta(r.props).namespace;
    const specs =
      r.type === T.k8sPvc
        ? [r.props["spec"]]
        : asArray(asRecord(r.props["spec"])?.["volumeClaimTemplates"]).map(
            (t) => asRecord(t)?.["spec"],
          );
    return specs.flatMap((spec) => {
      const source = crossSource(spec, namespace);
      if (!source) return [];
      const own = cohortOfNamespace(namespace) ?? "?";
      const other = cohortOfNamespace(/namespace (\S+)$/.exec(source)?.[1]) ?? "?";
      return [
        `${r.type} "${r.name}" (namespace ${namespace ?? "default"}, cohort ${own}) copies its data from ${source} (cohort ${other}). Cohorts involved: ${own}, ${other}. Fix: restore from a snapshot in the claim's own namespace.`,
      ];
    });
  },
);
