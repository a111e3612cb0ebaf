/** Valid component args to start from; tests change one thing at a time. */
import type { CohortSegmentedServiceArgs } from "../../../components/args.js";
import type { CohortSpecInput } from "../../../components/spec.js";

export const NETWORK = {
  vpcId: "vpc-test",
  subnetIds: ["subnet-a", "subnet-b"],
  certificateArn: "arn:aws:acm:eu-west-1:111122223333:certificate/test",
};

export function cohort(
  name: string,
  criticality: number,
  extra: Partial<CohortSpecInput> = {},
): CohortSpecInput {
  return { name, criticality, match: { header: name }, bakeSeconds: 300, ...extra };
}

export function pin(version = "1.0.0") {
  return { release: `r-${version}`, version, config: {} };
}

export function validArgs(
  overrides: Partial<CohortSegmentedServiceArgs> = {},
): CohortSegmentedServiceArgs {
  return {
    environment: {
      name: "test",
      cohorts: [cohort("free", 0), cohort("pro", 1), cohort("enterprise", 2)],
    },
    part: "all",
    pins: { free: pin(), pro: pin(), enterprise: pin() },
    network: NETWORK,
    ...overrides,
  };
}
