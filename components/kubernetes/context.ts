/**
 * Everything a Kubernetes builder needs to create one cohort's objects: the validated specs,
 * the cohort's names and labels, and the options every child is created with (parent: the
 * CohortStack; provider: the cluster).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { Pin } from "../contract.js";
import type { CohortNames } from "../naming.js";
import type { CohortSpec, EnvironmentSpec } from "../spec.js";
import type { KubernetesSettings } from "./args.js";
import type { KubernetesCohortNames } from "./names.js";

export interface KubernetesCohortContext {
  environment: EnvironmentSpec;
  cohort: CohortSpec;
  pin: Pin;
  /** Kubernetes object names (namespace `cohort-<cohort>`). */
  names: KubernetesCohortNames;
  /** AWS physical names (alarms, table, bucket, role), the same as on the AWS platform. */
  cloudNames: CohortNames;
  /** Exactly `{ cohort: <name> }`: every object and AWS resource carries it. */
  labels: Record<string, string>;
  settings: KubernetesSettings;
  /** Logical-name prefix of the cohort's children, e.g. `service-free`. */
  logical: string;
  /** Options every Kubernetes object is created with (parent and cluster provider). */
  opts: pulumi.CustomResourceOptions;
  /** Options every AWS resource (alarms, storage) is created with (parent only). */
  cloudOpts: pulumi.CustomResourceOptions;
}

/**
 * The cohort as the AWS platform's builders see it (its AWS names, tags, thresholds and
 * parent), so they serve a Kubernetes cohort unchanged (alarms, target group, listener rule).
 * @param ctx the cohort's context.
 */
export function awsCohortView(ctx: KubernetesCohortContext) {
  return {
    environment: ctx.environment,
    cohort: ctx.cohort,
    names: ctx.cloudNames,
    tags: ctx.labels,
    logical: ctx.logical,
    opts: ctx.cloudOpts,
  };
}
