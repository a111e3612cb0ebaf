/**
 * One cohort on AWS: its roles, storage, log group, target group, routing entry (a rule on
 * the edge's listener, or a dedicated ALB), alarms and ECS service, wired together. The
 * CohortStack component calls this through the platform seam and builds the cohort's
 * output from what it returns.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { EdgeReference } from "../args.js";
import type { CohortBuild } from "../platform.js";
import { createAlarms } from "./alarms.js";
import { createCompute, createLogGroup } from "./compute.js";
import type { CohortContext } from "./context.js";
import { createPolicies, createRoles } from "./iam.js";
import { createDedicatedIngress, createListenerRule, createTargetGroup } from "./ingress.js";
import { createStorage } from "./storage.js";

/**
 * Creates the cohort's AWS resources.
 * @param ctx the cohort's names, tags, settings and parent.
 * @param edge the shared edge's listener and ALB; required unless the cohort has dedicated ingress.
 * @param fail throws the error for a missing edge against the cohort's component.
 */
export function createAwsCohort(
  ctx: CohortContext,
  edge: EdgeReference | undefined,
  fail: (message: string) => never,
): CohortBuild {
  const { cohort } = ctx;
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
    /** The load balancer's own DNS name, whatever host clients call. */
    dnsName: pulumi.Input<string>;
  };
  if (cohort.ingress === "dedicated") {
    const lb = createDedicatedIngress(ctx, targetGroup);
    frontDoor = {
      arnSuffix: lb.loadBalancer.arnSuffix,
      securityGroupId: lb.securityGroup.id,
      dependsOn: lb.listener,
      endpointHost: literalHost ?? lb.loadBalancer.dnsName,
      dnsName: lb.loadBalancer.dnsName,
    };
  } else {
    if (edge === undefined) fail(`cohort ${cohort.name} needs the edge's listener`);
    const rule = createListenerRule(ctx, edge.listenerArn, targetGroup);
    frontDoor = {
      arnSuffix: edge.loadBalancerArnSuffix,
      securityGroupId: edge.securityGroupId,
      dependsOn: rule,
      endpointHost: literalHost ?? ctx.network.host ?? edge.dnsName,
      dnsName: edge.dnsName,
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

  return {
    alarms: alarms.details,
    compositeAlarmName: ctx.names.compositeAlarm,
    endpointHost: frontDoor.endpointHost,
    origin: { address: frontDoor.dnsName, type: "CNAME" },
    deployment: compute.deployment,
    ...(cohort.ingress === "shared" && cohort.match.header !== undefined
      ? { endpointHeader: { name: ctx.environment.headerName, value: cohort.match.header } }
      : {}),
  };
}
