/**
 * CohortSegmentedService: validates its arguments synchronously (so bad input
 * throws one catchable error and registers nothing), then creates the part of
 * the environment this stack owns: the shared Edge, one CohortStack, or both
 * the edge and every cohort (single-stack mode).
 */
import * as pulumi from "@pulumi/pulumi";
import type { CohortSegmentedServiceArgs } from "./args.js";
import { CohortStack } from "./cohort.js";
import type { CohortOutput, EnvironmentOutput } from "./contract.js";
import { Edge, type EdgeOutputs } from "./edge.js";
import type { EnvironmentSpec, Part } from "./spec.js";
import { SERVICE_TYPE } from "./types.js";
import { validateArgs } from "./validate.js";

/** The environment's cohorts in rollout order, as the contract defines them. */
export function environmentOutput(env: EnvironmentSpec, part: Part): EnvironmentOutput {
  const single = part === "all";
  return {
    name: env.name,
    ...(single ? {} : { edgeStack: env.edgeStack }),
    cohorts: env.cohorts.map((c) => ({
      name: c.name,
      criticality: c.criticality,
      bakeSeconds: c.bakeSeconds,
      minIntervalSeconds: c.minIntervalSeconds,
      deploymentTimeoutSeconds: c.deploymentTimeoutSeconds,
      // In single-stack mode this very stack owns every cohort.
      stack: single ? pulumi.getStack() : c.stack,
      // Only when set, so environments without approvals export what they always did.
      ...(c.approval === "required" ? { approval: c.approval } : {}),
      ...(c.approvers.length > 0 ? { approvers: c.approvers } : {}),
    })),
    ...(env.notifications !== undefined ? { notifications: env.notifications } : {}),
  };
}

export class CohortSegmentedService extends pulumi.ComponentResource {
  /** Which part of the environment this stack owns. */
  readonly part: Part;
  /** Output `cohorts`: cohort name -> CohortOutput, for the cohorts this stack owns. */
  readonly cohorts: pulumi.Output<Record<string, CohortOutput>>;
  /** Output `environment` (edge and single-stack mode only). */
  readonly environment: EnvironmentOutput | undefined;
  /** The shared edge's ids (edge and single-stack mode only); export it as `edge`. */
  readonly edge: EdgeOutputs | undefined;
  /** The CohortStack children, by cohort name. */
  readonly cohortStacks: ReadonlyMap<string, CohortStack>;

  constructor(
    name: string,
    args: CohortSegmentedServiceArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    // Before super(): invalid input must not register even this component.
    const spec = validateArgs(name, args);
    super(SERVICE_TYPE, name, {}, opts);
    this.part = spec.part;

    const builder = spec.builder;
    if (spec.part !== "cohort") {
      const edge = new Edge(
        `${name}-edge`,
        {
          environment: spec.environment,
          build: (logical, environment, parent) => builder.createEdge(logical, environment, parent),
        },
        { parent: this },
      );
      this.edge = edge.outputs;
    } else {
      this.edge = undefined;
    }

    const stacks = new Map<string, CohortStack>();
    for (const cohort of spec.owned) {
      const pin = spec.pins.get(cohort.name);
      // validateArgs guarantees a pin for every owned cohort.
      if (pin === undefined) throw new pulumi.ResourceError(`no pin for ${cohort.name}`, this);
      stacks.set(
        cohort.name,
        new CohortStack(
          `${name}-${cohort.name}`,
          {
            environment: spec.environment,
            cohort,
            pin,
            service: this,
            build: (scope) => builder.createCohort(scope),
          },
          { parent: this },
        ),
      );
    }
    this.cohortStacks = stacks;
    const entries = [...stacks.entries()];
    this.cohorts = pulumi
      .all(entries.map(([, s]) => s.output))
      .apply((outs) => Object.fromEntries(outs.map((o) => [o.name, o])));
    this.environment =
      spec.part === "cohort" ? undefined : environmentOutput(spec.environment, spec.part);
    this.registerOutputs({
      cohorts: this.cohorts,
      environment: this.environment,
      ...(this.edge !== undefined ? { edge: this.edge } : {}),
    });
  }
}
