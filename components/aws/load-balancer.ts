/**
 * An internet-facing ALB with its own security group and one HTTPS listener.
 * Used for the environment's shared edge (default action: fixed 404, never a
 * cohort) and for a cohort's dedicated ALB (default action: its own target group).
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { NetworkArgs } from "../args.js";

export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

export interface HttpsLoadBalancerArgs {
  logical: string;
  loadBalancerName: string;
  securityGroupName: string;
  description: string;
  network: NetworkArgs;
  tags: Record<string, string>;
  defaultActions: aws.types.input.lb.ListenerDefaultAction[];
  /** Who may reach the listener (e.g. only Cloudflare's ranges). @default HTTPS from anywhere */
  ingress?: aws.types.input.ec2.SecurityGroupIngress[];
  opts: pulumi.CustomResourceOptions;
}

export interface HttpsLoadBalancer {
  securityGroup: aws.ec2.SecurityGroup;
  loadBalancer: aws.lb.LoadBalancer;
  listener: aws.lb.Listener;
}

export function createHttpsLoadBalancer(args: HttpsLoadBalancerArgs): HttpsLoadBalancer {
  const securityGroup = new aws.ec2.SecurityGroup(
    `${args.logical}-lb-sg`,
    {
      name: args.securityGroupName,
      description: args.description,
      vpcId: args.network.vpcId,
      ingress: args.ingress ?? [
        { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] },
      ],
      egress: [{ protocol: "tcp", fromPort: 0, toPort: 65535, cidrBlocks: ["0.0.0.0/0"] }],
      tags: args.tags,
    },
    args.opts,
  );
  const loadBalancer = new aws.lb.LoadBalancer(
    `${args.logical}-lb`,
    {
      name: args.loadBalancerName,
      loadBalancerType: "application",
      internal: args.network.internal ?? false,
      securityGroups: [securityGroup.id],
      subnets: args.network.loadBalancerSubnetIds ?? args.network.subnetIds,
      dropInvalidHeaderFields: true,
      tags: args.tags,
    },
    args.opts,
  );
  const listener = new aws.lb.Listener(
    `${args.logical}-https`,
    {
      loadBalancerArn: loadBalancer.arn,
      port: 443,
      protocol: "HTTPS",
      certificateArn: args.network.certificateArn,
      sslPolicy: TLS_POLICY,
      defaultActions: args.defaultActions,
      tags: args.tags,
    },
    args.opts,
  );
  return { securityGroup, loadBalancer, listener };
}
