/**
 * One cohort on Kubernetes: its namespace and walls, its own AWS storage when asked, its
 * workload and Service, its HTTPRoute on the edge's Gateway, its entry on the shared AWS load
 * balancer when there is one (target group, listener rule, TargetGroupBinding) and its
 * CloudWatch alarms, wired together. The CohortStack component calls this through the
 * platform seam.
 */
import { isIPv4, isIPv6 } from "node:net";
import type * as pulumi from "@pulumi/pulumi";
import type { CohortBuild, CohortOrigin } from "../platform.js";
import { createKubernetesAlarms } from "./alarms.js";
import { createCloudStorage } from "./cloud-storage.js";
import type { KubernetesCohortContext } from "./context.js";
import { createIsolation } from "./isolation.js";
import { createLoadBalancerEntry, createTargetGroupBinding } from "./load-balancer.js";
import { createRoute } from "./route.js";
import { createWorkload } from "./workload.js";

/** An IP address is an A or AAAA record's target; anything else a CNAME's. */
function gatewayOrigin(address: string): CohortOrigin {
  const type = isIPv4(address) ? "A" : isIPv6(address) ? "AAAA" : "CNAME";
  return { address, type };
}

/**
 * Creates the cohort's Kubernetes objects (and AWS storage and alarms).
 * @param ctx the cohort's names, labels, settings and options.
 * @param account the account and region of the cohort's AWS storage; read only when it has any.
 */
export function createKubernetesCohort(
  ctx: KubernetesCohortContext,
  account: () => { accountId: pulumi.Input<string>; region: pulumi.Input<string> },
): CohortBuild {
  const isolation = createIsolation(ctx);
  const cloud =
    ctx.settings.cloudStorage === "aws" ? createCloudStorage(ctx, account()) : undefined;
  const lb = ctx.settings.loadBalancer;
  const entry = lb !== undefined ? createLoadBalancerEntry(ctx, lb) : undefined;
  const alarms = createKubernetesAlarms(ctx, entry?.targets);
  const { service } = createWorkload(ctx, {
    storageEnvironment: cloud?.environment ?? {},
    dependsOn: [
      isolation.serviceAccount,
      ...isolation.guards,
      ...(cloud !== undefined ? [cloud.association] : []),
    ],
  });
  createRoute(ctx, service);
  if (lb !== undefined && entry !== undefined)
    createTargetGroupBinding(ctx, lb, entry.targetGroup.arn, service);
  const { match } = ctx.cohort;
  const literalHost = match.hosts?.find((h) => !h.includes("*"));
  const gateway = ctx.settings.gateway;
  return {
    alarms: alarms.details,
    compositeAlarmName: ctx.cloudNames.compositeAlarm,
    endpointHost: literalHost ?? gateway.host ?? `${gateway.name}.${gateway.namespace}`,
    ...(gateway.address !== undefined ? { origin: gatewayOrigin(gateway.address) } : {}),
    ...(match.header !== undefined
      ? { endpointHeader: { name: ctx.environment.headerName, value: match.header } }
      : {}),
  };
}
