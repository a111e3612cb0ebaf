/**
 * CohortStack: one cohort's isolated compute, storage, identity, routing
 * entry and health alarms. Every resource is a child of this component and
 * carries the `cohort=<name>` tag (or, when untaggable, only this parent).
 */
import * as pulumi from "@pulumi/pulumi";
import type { EdgeReference, NetworkArgs } from "./args.js";
import { createAlarms } from "./aws/alarms.js";
import { createCompute, createLogGroup } from "./aws/compute.js";
import type { CohortContext } from "./aws/context.js";
import { createPolicies, createRoles } from "./aws/iam.js";
import { createDedicatedIngress, createListenerRule, createTargetGroup } from "./aws/ingress.js";
import { createStorage } from "./aws/storage.js";
import type { CohortOutput, Pin } from "./contract.js";
import { cohortTags } from "./identity.js";
import { cohortNames } from "./naming.js";
import type { CohortSpec, ContainerSpec, EnvironmentSpec } from "./spec.js";
import { COHORT_STACK_TYPE } from "./types.js";

export interface CohortStackArgs {
  environment: EnvironmentSpec;
  cohort: CohortSpec;
  pin: Pin;
  network: NetworkArgs;
  container: ContainerSpec;
  accountId: pulumi.Input<string>;
  region: pulumi.Input<string>;
  /** The shared edge; required unless the cohort has dedicated ingress. */
  edge?: EdgeReference;
}

export class CohortStack extends pulumi.ComponentResource {
  /** This cohort's stack output (contract.ts CohortOutput). */
  readonly output: pulumi.Output<CohortOutput>;

  constructor(name: string, args: CohortStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super(COHORT_STACK_TYPE, name, {}, opts);
    const { cohort, environment } = args;
    const ctx: CohortContext = {
      environment,
      cohort,
      pin: args.pin,
      names: cohortNames(environment.name, cohort.name),
      tags: cohortTags(cohort.name),
      logical: name,
      network: args.network,
      container: args.container,
      accountId: args.accountId,
      region: args.region,
      opts: { parent: this },
    };

    const roles = createRoles(ctx);
    const storage = createStorage(ctx, roles);
    const logGroup = createLogGroup(ctx);
    createPolicies(ctx, roles, {
      tableArn: storage.table.arn,
      keyArn: storage.key.arn,
      logGroupArn: logGroup.arn,
      ...(storage.bucket !== undefined ? { bucketArn: storage.bucket.arn } : {}),
    });

    const targetGroup = createTargetGroup(ctx);
    // A client can call a literal host; `*.example.com` is a pattern, not an address.
    const literalHost = cohort.match.hosts?.find((h) => !h.includes("*") && !h.includes("?"));
    let frontDoor: {
      arnSuffix: pulumi.Input<string>;
      securityGroupId: pulumi.Input<string>;
      dependsOn: pulumi.Resource;
      endpointHost: pulumi.Input<string>;
    };
    if (cohort.ingress === "dedicated") {
      const lb = createDedicatedIngress(ctx, targetGroup);
      frontDoor = {
        arnSuffix: lb.loadBalancer.arnSuffix,
        securityGroupId: lb.securityGroup.id,
        dependsOn: lb.listener,
        endpointHost: literalHost ?? lb.loadBalancer.dnsName,
      };
    } else {
      if (args.edge === undefined) {
        throw new pulumi.ResourceError(`cohort ${cohort.name} needs the edge's listener`, this);
      }
      const rule = createListenerRule(ctx, args.edge.listenerArn, targetGroup);
      frontDoor = {
        arnSuffix: args.edge.loadBalancerArnSuffix,
        securityGroupId: args.edge.securityGroupId,
        dependsOn: rule,
        endpointHost: literalHost ?? args.network.host ?? args.edge.dnsName,
      };
    }

    const alarms = createAlarms(ctx, {
      targetGroupArnSuffix: targetGroup.arnSuffix,
      loadBalancerArnSuffix: frontDoor.arnSuffix,
    });
    const compute = createCompute(ctx, {
      roles,
      storage,
      logGroup,
      targetGroup,
      loadBalancerSecurityGroupId: frontDoor.securityGroupId,
      deploymentAlarmNames: alarms.deploymentAlarmNames,
      dependsOn: [frontDoor.dependsOn, ...alarms.metricAlarms],
    });

    const header =
      cohort.ingress === "shared" && cohort.match.header !== undefined
        ? ` (header ${environment.headerName}: ${cohort.match.header})`
        : "";
    this.output = pulumi
      .all([pulumi.output(frontDoor.endpointHost), this.urn, compute.deployment])
      .apply(([host, urn, deployment]): CohortOutput => ({
        name: cohort.name,
        criticality: cohort.criticality,
        pin: args.pin,
        alarmNames: alarms.details.map((d) => d.name),
        compositeAlarmName: ctx.names.compositeAlarm,
        alarms: alarms.details,
        endpoint: `https://${host}${header}`,
        urn,
        deployment,
      }));
    this.registerOutputs({ output: this.output });
  }
}
