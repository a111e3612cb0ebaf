/** Valid Kubernetes component args to start from; tests change one thing at a time. */
import type { CohortSegmentedServiceArgs } from "../../../components/args.js";
import type { KubernetesArgs } from "../../../components/kubernetes/args.js";
import { cohort, pin } from "../../component/support/args.js";

export const KUBERNETES: KubernetesArgs = {
  clusterName: "test-cluster",
  clusterCidrs: ["10.0.0.0/16", "172.20.0.0/16"],
};

export function kubernetesArgs(
  overrides: Partial<CohortSegmentedServiceArgs> = {},
): CohortSegmentedServiceArgs {
  return {
    environment: {
      name: "test",
      platform: "kubernetes",
      cohorts: [cohort("free", 0), cohort("pro", 1), cohort("enterprise", 2)],
    },
    part: "all",
    pins: { free: pin(), pro: pin(), enterprise: pin() },
    kubernetes: KUBERNETES,
    ...overrides,
  };
}
