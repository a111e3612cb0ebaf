/** Pulumi type tokens of the package's components. */
export const SERVICE_TYPE = "cohort-segmented-service:index:CohortSegmentedService";
export const COHORT_STACK_TYPE = "cohort-segmented-service:index:CohortStack";
export const EDGE_TYPE = "cohort-segmented-service:index:Edge";
