/**
 * CohortStack: one cohort's isolated compute, storage, identity, routing entry and health
 * alarms, built by the environment's platform (components/platform.ts). Every resource is a
 * child of this component and carries the cohort's marker (tag or label `cohort=<name>`), or,
 * when unmarkable, only this parent. This component builds the cohort's contract output.
 */
import * as pulumi from "@pulumi/pulumi";
import type { CohortOutput, Pin } from "./contract.js";
import type { CohortBuild, CohortScope } from "./platform.js";
import type { CohortSpec, EnvironmentSpec } from "./spec.js";
import { COHORT_STACK_TYPE } from "./types.js";

export interface CohortStackArgs {
  /** The validated environment. */
  environment: EnvironmentSpec;
  /** The cohort this component holds. */
  cohort: CohortSpec;
  /** The release the cohort runs. */
  pin: Pin;
  /** The service component, parent of invokes its cohorts share. */
  service: pulumi.ComponentResource;
  /** The platform's cohort builder (PlatformBuilder.createCohort). */
  build: (scope: CohortScope) => CohortBuild;
}

export class CohortStack extends pulumi.ComponentResource {
  /** This cohort's stack output (contract.ts CohortOutput). */
  readonly output: pulumi.Output<CohortOutput>;

  constructor(name: string, args: CohortStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super(COHORT_STACK_TYPE, name, {}, opts);
    const { cohort } = args;
    const built = args.build({
      environment: args.environment,
      cohort,
      pin: args.pin,
      logical: name,
      parent: this,
      service: args.service,
    });
    const header =
      built.endpointHeader !== undefined
        ? ` (header ${built.endpointHeader.name}: ${built.endpointHeader.value})`
        : "";
    this.output = pulumi
      .all([pulumi.output(built.endpointHost), this.urn, pulumi.output(built.deployment)])
      .apply(([host, urn, deployment]): CohortOutput => ({
        name: cohort.name,
        criticality: cohort.criticality,
        pin: args.pin,
        alarmNames: built.alarms.map((d) => d.name),
        compositeAlarmName: built.compositeAlarmName,
        alarms: built.alarms,
        endpoint: `https://${host}${header}`,
        urn,
        // Only platforms whose update returns before the new version serves name a deployment.
        ...(deployment !== undefined ? { deployment } : {}),
      }));
    this.registerOutputs({ output: this.output });
  }
}
