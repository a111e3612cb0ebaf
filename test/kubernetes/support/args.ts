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

/** A shared ALB in front of the cluster (`kubernetes.loadBalancer`), as an AWS edge exports it. */
export const LOAD_BALANCER = {
  listenerArn:
    "arn:aws:elasticloadbalancing:eu-west-1:111122223333:listener/app/edge-prod/0123456789abcdef/fedcba9876543210",
  loadBalancerArnSuffix: "app/edge-prod/0123456789abcdef",
  vpcId: "vpc-0123456789abcdef0",
  securityGroupId: "sg-0123456789abcdef0",
  sourceCidrs: ["10.0.240.0/24", "10.0.241.0/24"],
};
