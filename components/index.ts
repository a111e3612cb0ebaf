/**
 * The package's public surface: `import { CohortSegmentedService } from "cohort-segmented-service"`.
 */
export { CohortSegmentedService, environmentOutput } from "./service.js";
export { CohortStack, type CohortStackArgs } from "./cohort.js";
export { Edge, type EdgeArgs, type EdgeOutputs } from "./edge.js";
export type { CohortSegmentedServiceArgs, EdgeReader, EdgeReference, NetworkArgs } from "./args.js";
export {
  alarmThresholdsSchema,
  cohortSpecSchema,
  environmentSpecSchema,
  matchSchema,
  partSchema,
  DEFAULT_HEADER_NAME,
  type AlarmThresholds,
  type CohortSpec,
  type CohortSpecInput,
  type EnvironmentSpec,
  type EnvironmentSpecInput,
  type Part,
} from "./spec.js";
export { containerSpecSchema, type ContainerSpecInput } from "./aws/spec.js";
export type { AwsEdgeOutputs } from "./aws/edge.js";
export type * from "./platform.js";
export { PLATFORMS } from "./platforms.js";
export { validateArgs, rolloutOrder, type ValidatedArgs } from "./validate.js";
export { CohortSpecError, type SpecProblem } from "./errors.js";
export { cohortPriority, derivedPriority } from "./priority.js";
export { cohortNames, edgeNames } from "./naming.js";
export { SERVICE_TYPE, COHORT_STACK_TYPE, EDGE_TYPE } from "./types.js";
export * from "./contract.js";
export * from "./identity.js";
export * as cloudflare from "./cloudflare/index.js";
