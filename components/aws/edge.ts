/**
 * The AWS edge: one ALB and one HTTPS listener whose default action is a fixed 404, so a
 * request that matches no cohort reaches no cohort. Cohorts attach their own rules to this
 * listener from their own stacks. Every resource carries the ingress marker, never a cohort tag.
 */
import type * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { EdgeReference, NetworkArgs } from "../args.js";
import { ingressTags } from "../identity.js";
import { edgeNames } from "../naming.js";
import type { EnvironmentSpec } from "../spec.js";
import { createHttpsLoadBalancer } from "./load-balancer.js";

/** What the AWS edge stack exports as `edge` and cohort stacks read by stack reference. */
export interface AwsEdgeOutputs {
  listenerArn: pulumi.Output<string>;
  loadBalancerArn: pulumi.Output<string>;
  loadBalancerArnSuffix: pulumi.Output<string>;
  securityGroupId: pulumi.Output<string>;
  dnsName: pulumi.Output<string>;
}

/**
 * Creates the shared ALB, its security group and its listener.
 * @param logical logical-name prefix of the children (the Edge component's name).
 * @param environment the validated environment (its name goes into physical names).
 * @param network the VPC, subnets and certificate.
 * @param parent the Edge component.
 * @param ingress who may reach the listener. @default HTTPS from anywhere
 */
export function createAwsEdge(
  logical: string,
  environment: EnvironmentSpec,
  network: NetworkArgs,
  parent: pulumi.Resource,
  ingress?: aws.types.input.ec2.SecurityGroupIngress[],
): { outputs: AwsEdgeOutputs; reference: EdgeReference } {
  const names = edgeNames(environment.name);
  const lb = createHttpsLoadBalancer({
    logical,
    loadBalancerName: names.loadBalancer,
    securityGroupName: names.securityGroup,
    description: `Shared edge ALB of environment ${environment.name}`,
    network,
    tags: ingressTags(),
    defaultActions: [
      {
        type: "fixed-response",
        fixedResponse: {
          contentType: "text/plain",
          statusCode: "404",
          messageBody: "unknown cohort",
        },
      },
    ],
    ...(ingress !== undefined ? { ingress } : {}),
    opts: { parent },
  });
  const outputs: AwsEdgeOutputs = {
    listenerArn: lb.listener.arn,
    loadBalancerArn: lb.loadBalancer.arn,
    loadBalancerArnSuffix: lb.loadBalancer.arnSuffix,
    securityGroupId: lb.securityGroup.id,
    dnsName: lb.loadBalancer.dnsName,
  };
  return { outputs, reference: outputs };
}
