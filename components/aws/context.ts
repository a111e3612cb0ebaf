/**
 * Everything an AWS builder needs to create one cohort's resources: the
 * validated specs, the cohort's physical names and tags, and the parent
 * (the CohortStack) every resource is created under.
 */
import type * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { NetworkArgs } from "../args.js";
import type { Pin } from "../contract.js";
import type { CohortNames } from "../naming.js";
import type { CohortSpec, EnvironmentSpec } from "../spec.js";
import type { ContainerSpec } from "./spec.js";

export interface CohortContext {
  environment: EnvironmentSpec;
  cohort: CohortSpec;
  pin: Pin;
  names: CohortNames;
  /** Exactly `{ cohort: <name> }`: every taggable resource carries it. */
  tags: Record<string, string>;
  /** Logical-name prefix of the cohort's children, e.g. `service-free`. */
  logical: string;
  network: NetworkArgs;
  container: ContainerSpec;
  /** Who may reach a dedicated ALB (e.g. only Cloudflare's ranges). @default HTTPS from anywhere */
  loadBalancerIngress?: aws.types.input.ec2.SecurityGroupIngress[];
  accountId: pulumi.Input<string>;
  region: pulumi.Input<string>;
  /** Options every child is created with (`parent` is the CohortStack). */
  opts: pulumi.CustomResourceOptions;
}
