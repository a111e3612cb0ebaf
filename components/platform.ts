/**
 * The platform seam. The neutral core (spec.ts, validate.ts, cohort.ts, edge.ts, service.ts)
 * knows cohorts, criticality, matches, bakes, cadence, pins and the contract's outputs; it
 * never names a cloud resource. Everything that does lives in one module per platform
 * (components/aws/, components/kubernetes/), which exports one `Platform`:
 *
 *   prepare(input)         its schema and validation: reads its own args (e.g. `network` and
 *                          `container` for AWS, `kubernetes` for Kubernetes) and cross-cohort
 *                          rules that only it knows (ALB quotas, namespace collisions), and
 *                          returns every problem, or a builder bound to the validated settings.
 *                          Pure: creates nothing, so bad input never half-applies.
 *   builder.createEdge     the environment's shared singletons, as children of the Edge
 *                          component; returns the outputs the edge stack exports as `edge`.
 *   builder.createCohort   one cohort's resources, as children of its CohortStack; returns its
 *                          alarms and endpoint, from which the core builds the CohortOutput.
 *
 * A builder is made per CohortSegmentedService, so it may remember what its createEdge
 * created (single-stack mode) for the cohorts created after it. Compute, storage and ingress
 * may come from different platforms: a platform module composes other modules' pure
 * `create*` functions (Kubernetes compute uses the AWS storage builders for a cohort's own
 * table and bucket); an edge module (e.g. Cloudflare) wraps another platform's builder,
 * replacing createEdge and adding its per-cohort routing around the wrapped createCohort.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { CohortSegmentedServiceArgs } from "./args.js";
import type { AlarmOutput, DeploymentRef, Pin } from "./contract.js";
import type { SpecProblem } from "./errors.js";
import type { CohortSpec, EnvironmentSpec, Part, PlatformId } from "./spec.js";

/** A cohort as parsed, with its index in the environment file (for problem paths). */
export interface IndexedCohort {
  spec: CohortSpec;
  index: number;
}

/** What the neutral validation hands a platform's `prepare`. */
export interface PlatformInput {
  /** The component's arguments as given (the platform parses its own fields). */
  args: CohortSegmentedServiceArgs;
  /** The validated environment, or undefined when the neutral part already failed. */
  environment: EnvironmentSpec | undefined;
  /** Every cohort that parsed, once per name (duplicates are reported by the core). */
  cohorts: IndexedCohort[];
  part: Part;
  /** The cohort this stack owns (part `cohort`), if it parsed. */
  owned: CohortSpec | undefined;
}

/** What one cohort's builder gets. */
export interface CohortScope {
  environment: EnvironmentSpec;
  cohort: CohortSpec;
  pin: Pin;
  /** Logical-name prefix of the cohort's children, e.g. `service-free`. */
  logical: string;
  /** The CohortStack: the parent of every resource the builder creates. */
  parent: pulumi.ComponentResource;
  /** The service component: the parent of invokes shared by its cohorts (account, region). */
  service: pulumi.ComponentResource;
}

/** What one cohort's builder returns; the core turns it into the cohort's CohortOutput. */
export interface CohortBuild {
  /** Every alarm gating the cohort, metric alarms first, the composite last. */
  alarms: AlarmOutput[];
  compositeAlarmName: string;
  /** Host a client calls to reach the cohort. */
  endpointHost: pulumi.Input<string>;
  /** Header a client must send as well (header-routed cohorts), shown in the endpoint. */
  endpointHeader?: { name: string; value: string };
  /**
   * The deployment the rollout watches before a bake starts, for platforms whose update
   * returns before the new version serves (ECS). Absent: the update's return means serving.
   */
  deployment?: pulumi.Input<DeploymentRef>;
  /**
   * The cohort's front door as an edge in front of it (e.g. Cloudflare) must reach it: its
   * load balancer's DNS name, or its Gateway's address. Absent when the platform cannot know
   * it (a Gateway without a configured address).
   */
  origin?: CohortOrigin;
}

/** Where an edge in front of a platform reaches one cohort's front door. */
export interface CohortOrigin {
  address: pulumi.Input<string>;
  /** DNS record type an edge's record pointing at `address` takes. */
  type: "CNAME" | "A" | "AAAA";
}

/** What the edge builder returns. */
export interface EdgeBuild {
  /** Exported by the edge stack as `edge`; cohort stacks read it by stack reference. */
  outputs: Record<string, pulumi.Output<string>>;
}

export interface PlatformBuilder {
  /** Creates the environment's shared singletons under `parent` (the Edge component). */
  createEdge(logical: string, environment: EnvironmentSpec, parent: pulumi.Resource): EdgeBuild;
  /** Creates one cohort's resources under `scope.parent`. */
  createCohort(scope: CohortScope): CohortBuild;
}

export interface Platform {
  readonly id: PlatformId;
  /** Validates this platform's arguments; never creates anything. */
  prepare(input: PlatformInput): { problems: SpecProblem[]; builder: PlatformBuilder | undefined };
}
