/**
 * A Kubernetes cohort behind the shared AWS load balancer (`kubernetes.loadBalancer`): its own
 * IP target group and its rule on the shared listener, built by the AWS platform's own
 * builders (the same names, match conditions and priorities), and a TargetGroupBinding in the
 * cohort's namespace that has the AWS Load Balancer Controller register the pods of the
 * cohort's own Service (no namespace: a binding can only name a Service of its own namespace)
 * in that target group and no other.
 */
import type * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { AlarmTargets } from "../aws/alarms.js";
import { createListenerRule, createTargetGroup } from "../aws/ingress.js";
import type { KubernetesSettings } from "./args.js";
import { awsCohortView, type KubernetesCohortContext } from "./context.js";

export type LoadBalancerSettings = NonNullable<KubernetesSettings["loadBalancer"]>;

/** The port of the cohort's ClusterIP Service (workload.ts), which the binding names. */
export const SERVICE_PORT = 80;

export interface CohortLoadBalancerEntry {
  targetGroup: aws.lb.TargetGroup;
  rule: aws.lb.ListenerRule;
  /** The dimensions of the cohort's ALB alarms: its own target group on the shared ALB. */
  targets: AlarmTargets;
}

/**
 * The AWS ingress builders' view of a Kubernetes cohort: its AWS names and parent, its pods'
 * port and health check path, the load balancer's VPC.
 * @param ctx the cohort's context.
 * @param lb the shared load balancer's settings.
 */
function awsView(ctx: KubernetesCohortContext, lb: LoadBalancerSettings) {
  return {
    ...awsCohortView(ctx),
    container: {
      port: ctx.settings.container.port,
      healthCheckPath: ctx.settings.container.healthCheckPath,
    },
    network: { vpcId: lb.vpcId },
  };
}

/**
 * Creates the cohort's target group and its rule on the shared listener.
 * @param ctx the cohort's names, labels, settings and options.
 * @param lb the shared load balancer's settings.
 */
export function createLoadBalancerEntry(
  ctx: KubernetesCohortContext,
  lb: LoadBalancerSettings,
): CohortLoadBalancerEntry {
  const view = awsView(ctx, lb);
  const targetGroup = createTargetGroup(view);
  const rule = createListenerRule(view, lb.listenerArn, targetGroup);
  return {
    targetGroup,
    rule,
    targets: {
      targetGroupArnSuffix: targetGroup.arnSuffix,
      loadBalancerArnSuffix: lb.loadBalancerArnSuffix,
    },
  };
}

/**
 * Creates the TargetGroupBinding of the cohort's Service to the cohort's target group.
 * @param ctx the cohort's names, labels, settings and options.
 * @param lb the shared load balancer's settings.
 * @param targetGroupArn the cohort's own target group.
 * @param service the cohort's Service (created first: the controller resolves it).
 */
export function createTargetGroupBinding(
  ctx: KubernetesCohortContext,
  lb: LoadBalancerSettings,
  targetGroupArn: pulumi.Input<string>,
  service: pulumi.Resource,
): k8s.apiextensions.CustomResource {
  const port = ctx.settings.container.port;
  return new k8s.apiextensions.CustomResource(
    `${ctx.logical}-target-group-binding`,
    {
      apiVersion: "elbv2.k8s.aws/v1beta1",
      kind: "TargetGroupBinding",
      metadata: {
        name: ctx.names.targetGroupBinding,
        namespace: ctx.names.namespace,
        labels: ctx.labels,
      },
      spec: {
        serviceRef: { name: ctx.names.service, port: SERVICE_PORT },
        targetGroupARN: targetGroupArn,
        targetType: "ip",
        vpcID: lb.vpcId,
        // The controller opens the pods' port to the ALB's security group, and nothing else.
        ...(lb.securityGroupId !== undefined
          ? {
              networking: {
                ingress: [
                  {
                    from: [{ securityGroup: { groupID: lb.securityGroupId } }],
                    ports: [{ protocol: "TCP", port }],
                  },
                ],
              },
            }
          : {}),
      },
    },
    { ...ctx.opts, dependsOn: [service] },
  );
}
