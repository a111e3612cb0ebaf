/**
 * The environment's shared singletons (the ingress every shared-routed cohort attaches to),
 * built by the environment's platform (components/platform.ts): on AWS one ALB whose listener
 * answers 404 to a request that matches no cohort; on Kubernetes the gateway namespace and
 * its Gateway, which routes only what cohorts' HTTPRoutes claim. Every resource carries the
 * ingress marker, never a cohort's.
 */
import * as pulumi from "@pulumi/pulumi";
import type { EdgeBuild } from "./platform.js";
import type { EnvironmentSpec } from "./spec.js";
import { EDGE_TYPE } from "./types.js";

export interface EdgeArgs {
  /** The validated environment. */
  environment: EnvironmentSpec;
  /** The platform's edge builder (PlatformBuilder.createEdge). */
  build: (logical: string, environment: EnvironmentSpec, parent: pulumi.Resource) => EdgeBuild;
}

/** What the edge stack exports as `edge` and cohort stacks read by stack reference. */
export type EdgeOutputs = Record<string, pulumi.Output<string>>;

export class Edge extends pulumi.ComponentResource {
  readonly outputs: EdgeOutputs;

  constructor(name: string, args: EdgeArgs, opts?: pulumi.ComponentResourceOptions) {
    super(EDGE_TYPE, name, {}, opts);
    this.outputs = args.build(name, args.environment, this).outputs;
    this.registerOutputs({ ...this.outputs });
  }
}
