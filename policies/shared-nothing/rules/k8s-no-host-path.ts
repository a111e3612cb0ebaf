import { asArray, asRecord } from "../lib/cohort-of.js";
import { resourceRule } from "../lib/rule.js";
import { K8S_WORKLOAD_TYPES, T } from "../lib/types.js";

export const K8S_NO_HOST_PATH = "k8s-no-host-path";

/** The pod spec of any workload kind (Pod, template-bearing kinds, CronJob's job template). */
export function podSpecOf(
  type: string,
  props: Record<string, unknown>,
): Record<string, unknown> | undefined {
  const spec = asRecord(props["spec"]);
  if (!spec) return undefined;
  if (type === "kubernetes:core/v1:Pod") return spec;
  if (type === "kubernetes:batch/v1:CronJob") {
    const jobSpec = asRecord(asRecord(spec["jobTemplate"])?.["spec"]);
    return asRecord(asRecord(jobSpec?.["template"])?.["spec"]);
  }
  return asRecord(asRecord(spec["template"])?.["spec"]);
}

export const k8sNoHostPath = resourceRule(
  {
    name: K8S_NO_HOST_PATH,
    description:
      "No Kubernetes workload or PersistentVolume mounts a hostPath: node disks are shared by every cohort scheduled there.",
  },
  [...K8S_WORKLOAD_TYPES, T.k8sPv],
  (r) => {
    const cohort = r.marker.kind === "cohort" ? ` (cohort ${r.marker.cohort})` : "";
    const fix =
      "Fix: use a PersistentVolumeClaim in the cohort's namespace (or emptyDir for scratch space).";
    if (r.type === T.k8sPv) {
      const hostPath = asRecord(asRecord(r.props["spec"])?.["hostPath"]);
      return hostPath
        ? [
            `${r.type} "${r.name}"${cohort} is a hostPath volume (${String(hostPath["path"])}), readable by every cohort on that node. Cohorts involved: every cohort scheduled on the node. ${fix}`,
          ]
        : [];
    }
    const volumes = asArray(podSpecOf(r.type, r.props)?.["volumes"]);
    return volumes.flatMap((v) => {
      const vol = asRecord(v) ?? {};
      const hostPath = asRecord(vol["hostPath"]);
      return hostPath
        ? [
            `${r.type} "${r.name}"${cohort} mounts hostPath ${String(hostPath["path"])} as volume "${String(vol["name"])}", shared with every cohort on the node. Cohorts involved: every cohort scheduled on the node. ${fix}`,
          ]
        : [];
    });
  },
);
