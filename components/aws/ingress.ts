/**
 * A cohort's routing entry: its own target group, and either a listener rule
 * on the edge's shared listener (matching the cohort's host and/or header, at
 * the cohort's stable priority) or a dedicated ALB whose default action
 * forwards to that target group.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { NetworkArgs } from "../args.js";
import type { EnvironmentSpec, Match } from "../spec.js";
import type { CohortContext } from "./context.js";
import type { ContainerSpec } from "./spec.js";
import { createHttpsLoadBalancer, type HttpsLoadBalancer } from "./load-balancer.js";

/** What a cohort's target group needs (the Kubernetes platform passes its own pods' port). */
export type TargetGroupContext = Pick<CohortContext, "names" | "tags" | "logical" | "opts"> & {
  container: Pick<ContainerSpec, "port" | "healthCheckPath">;
  network: Pick<NetworkArgs, "vpcId">;
};

/** What a cohort's listener rule needs. */
export type ListenerRuleContext = Pick<
  CohortContext,
  "environment" | "cohort" | "tags" | "logical" | "opts"
>;

/**
 * Creates the cohort's own target group (IP targets: Fargate tasks, or pods registered by a
 * TargetGroupBinding).
 * @param ctx the cohort's names, tags, port, health check path, VPC and parent.
 */
export function createTargetGroup(ctx: TargetGroupContext): aws.lb.TargetGroup {
  return new aws.lb.TargetGroup(
    `${ctx.logical}-tg`,
    {
      name: ctx.names.targetGroup,
      port: ctx.container.port,
      protocol: "HTTP",
      targetType: "ip",
      vpcId: ctx.network.vpcId,
      deregistrationDelay: 30,
      healthCheck: {
        path: ctx.container.healthCheckPath,
        interval: 15,
        healthyThreshold: 2,
        unhealthyThreshold: 2,
        matcher: "200-399",
      },
      tags: ctx.tags,
    },
    ctx.opts,
  );
}

/** The ALB conditions for a match: host and header are ANDed, values are literal. */
export function matchConditions(
  environment: EnvironmentSpec,
  match: Match,
): aws.types.input.lb.ListenerRuleCondition[] {
  const conditions: aws.types.input.lb.ListenerRuleCondition[] = [];
  if (match.hosts !== undefined) conditions.push({ hostHeader: { values: match.hosts } });
  if (match.header !== undefined) {
    conditions.push({
      httpHeader: { httpHeaderName: environment.headerName, values: [match.header] },
    });
  }
  return conditions;
}

/**
 * Creates the cohort's rule on a shared listener: its match, at its priority, to its target group.
 * @param ctx the cohort's match, priority, tags and parent.
 * @param listenerArn the shared listener.
 * @param targetGroup the cohort's own target group.
 */
export function createListenerRule(
  ctx: ListenerRuleContext,
  listenerArn: pulumi.Input<string>,
  targetGroup: aws.lb.TargetGroup,
): aws.lb.ListenerRule {
  return new aws.lb.ListenerRule(
    `${ctx.logical}-rule`,
    {
      listenerArn,
      priority: ctx.cohort.priority,
      conditions: matchConditions(ctx.environment, ctx.cohort.match),
      actions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
      tags: ctx.tags,
    },
    ctx.opts,
  );
}

export function createDedicatedIngress(
  ctx: CohortContext,
  targetGroup: aws.lb.TargetGroup,
): HttpsLoadBalancer {
  return createHttpsLoadBalancer({
    logical: ctx.logical,
    loadBalancerName: ctx.names.loadBalancer,
    securityGroupName: ctx.names.loadBalancerSecurityGroup,
    description: `Dedicated ALB of cohort ${ctx.cohort.name} (${ctx.environment.name})`,
    network: ctx.network,
    tags: ctx.tags,
    defaultActions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
    ...(ctx.loadBalancerIngress !== undefined ? { ingress: ctx.loadBalancerIngress } : {}),
    opts: ctx.opts,
  });
}
