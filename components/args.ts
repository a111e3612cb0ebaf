/**
 * The component's public arguments. Shape-deciding values (the environment's
 * cohorts, the part this stack owns, the pins) are plain values so they can be
 * validated synchronously before anything is created; values that may come
 * from other resources (network ids, the edge's listener) are Inputs.
 * Kept schema-friendly (no unions except literal enums) so the package can
 * later be served as a multi-language component.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { Pin } from "./contract.js";
import type { ContainerSpecInput } from "./aws/spec.js";
import type { CloudflareEdgeInput } from "./cloudflare/schema.js";
import type { CloudflareRangesInput } from "./cloudflare/origin-lock.js";
import type { KubernetesArgs } from "./kubernetes/args.js";
import type { EnvironmentSpecInput, Part } from "./spec.js";

/** Networking is input: the component never creates a VPC, subnets or certificates. */
export interface NetworkArgs {
  /** VPC for target groups and security groups. */
  vpcId: pulumi.Input<string>;
  /** Private subnets the cohort tasks run in. */
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Subnets for load balancers (public for internet-facing). @default subnetIds */
  loadBalancerSubnetIds?: pulumi.Input<pulumi.Input<string>[]>;
  /** ACM certificate ARN for the HTTPS listeners. */
  certificateArn: pulumi.Input<string>;
  /** Public host name used in endpoints of cohorts that match by header only. @default the ALB's DNS name */
  host?: string;
  /** Make load balancers internal. @default false */
  internal?: boolean;
}

/**
 * Reads the edge stack's `edge` output (by stack reference), given the validated
 * environment's edge stack name. Called once, after validation, and only when a cohort
 * of this stack routes through the shared edge: a program with bad input registers
 * nothing, not even the stack reference.
 */
export type EdgeReader = (edgeStack: string) => EdgeReference;

/** What a cohort stack needs from the edge stack (read by stack reference). */
export interface EdgeReference {
  /** The shared HTTPS listener the cohort's rule attaches to. */
  listenerArn: pulumi.Input<string>;
  /** The shared ALB's ARN suffix (CloudWatch `LoadBalancer` dimension). */
  loadBalancerArnSuffix: pulumi.Input<string>;
  /** The shared ALB's security group: the only source the cohort's tasks admit. */
  securityGroupId: pulumi.Input<string>;
  /** The shared ALB's DNS name, for endpoints. */
  dnsName: pulumi.Input<string>;
}

export interface CohortSegmentedServiceArgs {
  /** The environment definition: cohorts, matches, bakes, alarm thresholds (see spec.ts). */
  environment: EnvironmentSpecInput;
  /**
   * Which part of the environment this stack owns: `all` (single-stack mode:
   * edge and every cohort), `edge` (the shared singletons) or `cohort` (one cohort).
   * @default "all"
   */
  part?: Part;
  /** The cohort this stack owns; required when `part` is `cohort`. */
  cohort?: string;
  /**
   * Pins by cohort name. `all`: one per cohort. `cohort`: exactly the owned
   * cohort's. `edge`: none needed.
   * @default {}
   */
  pins?: Record<
    string,
    Pin | { release: string; version: string; config?: Record<string, string> }
  >;
  /** AWS: the VPC, subnets and certificate; required when the environment's platform is `aws`. */
  network?: NetworkArgs;
  /**
   * AWS: the edge stack's listener and ALB; required for a shared-ingress cohort in `cohort`
   * mode. Give the values, or an EdgeReader that reads them once the args are valid.
   */
  edge?: EdgeReference | EdgeReader;
  /** AWS: container settings shared by all cohorts. @default see containerSpecSchema */
  container?: ContainerSpecInput;
  /** Kubernetes: cluster, gateway, container and storage settings; required when the platform is `kubernetes`. */
  kubernetes?: KubernetesArgs;
  /**
   * A Cloudflare edge in front of the cohorts of either platform: per-cohort hostnames, or a
   * shared hostname routed by a Worker or Origin Rules (components/cloudflare/schema.ts).
   * Shared parts are created in the edge stack, each cohort's parts in its own stack.
   */
  cloudflare?: CloudflareEdgeInput;
  /**
   * Cloudflare Worker routing: the cookie signing key, or the trusted upstream's shared
   * secret. Give it as a secret (`config.requireSecret`); it is never logged. Required in the
   * edge stack with `routing: worker`.
   */
  cloudflareSecret?: pulumi.Input<string>;
  /**
   * Cloudflare Worker routing, `cohort` part: the edge stack's `edge.routesNamespaceId`
   * (read by stack reference), where the cohort writes its route entry. Give the id, or a
   * reader of it (called, like an EdgeReader, once and only after the args validate).
   */
  cloudflareRoutesNamespaceId?:
    pulumi.Input<string> | ((edgeStack: string) => pulumi.Input<string>);
  /**
   * AWS with `cloudflare`: Cloudflare's published ranges (https://www.cloudflare.com/ips/).
   * When given, load balancers admit only these instead of 0.0.0.0/0.
   */
  cloudflareRanges?: CloudflareRangesInput;
}
