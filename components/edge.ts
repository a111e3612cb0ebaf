/**
 * The environment's shared singletons: one ALB and one HTTPS listener whose
 * default action is a fixed 404, so a request that matches no cohort reaches
 * no cohort. Cohorts attach their own rules to this listener from their own
 * stacks. Every resource carries the ingress marker, never a cohort tag.
 */
import * as pulumi from "@pulumi/pulumi";
import type { EdgeReference, NetworkArgs } from "./args.js";
import { createHttpsLoadBalancer } from "./aws/load-balancer.js";
import { ingressTags } from "./identity.js";
import { edgeNames } from "./naming.js";
import type { EnvironmentSpec } from "./spec.js";
import { EDGE_TYPE } from "./types.js";

export interface EdgeArgs {
  environment: EnvironmentSpec;
  network: NetworkArgs;
}

/** What the edge stack exports as `edge` and cohort stacks read by stack reference. */
export interface EdgeOutputs {
  listenerArn: pulumi.Output<string>;
  loadBalancerArn: pulumi.Output<string>;
  loadBalancerArnSuffix: pulumi.Output<string>;
  securityGroupId: pulumi.Output<string>;
  dnsName: pulumi.Output<string>;
}

export class Edge extends pulumi.ComponentResource {
  readonly outputs: EdgeOutputs;

  constructor(name: string, args: EdgeArgs, opts?: pulumi.ComponentResourceOptions) {
    super(EDGE_TYPE, name, {}, opts);
    const names = edgeNames(args.environment.name);
    const lb = createHttpsLoadBalancer({
      logical: name,
      loadBalancerName: names.loadBalancer,
      securityGroupName: names.securityGroup,
      description: `Shared edge ALB of environment ${args.environment.name}`,
      network: args.network,
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
      opts: { parent: this },
    });
    this.outputs = {
      listenerArn: lb.listener.arn,
      loadBalancerArn: lb.loadBalancer.arn,
      loadBalancerArnSuffix: lb.loadBalancer.arnSuffix,
      securityGroupId: lb.securityGroup.id,
      dnsName: lb.loadBalancer.dnsName,
    };
    this.registerOutputs({ ...this.outputs });
  }

  reference(): EdgeReference {
    return this.outputs;
  }
}
