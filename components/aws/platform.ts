/**
 * The AWS platform behind the seam (../platform.ts): ECS Fargate compute, DynamoDB/S3/KMS
 * storage, ALB routing (a rule on the shared edge listener, or a dedicated ALB), CloudWatch
 * alarms. Its args are `network`, `edge` (cohort stacks) and `container`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { EdgeReader, EdgeReference, NetworkArgs } from "../args.js";
import { cohortTags } from "../identity.js";
import { cohortNames } from "../naming.js";
import type { Platform, PlatformBuilder, PlatformInput } from "../platform.js";
import { cloudflareOnlyIngress, cloudflareRangesSchema } from "../cloudflare/origin-lock.js";
import { createAwsCohort } from "./cohort.js";
import { createAwsEdge } from "./edge.js";
import type { ContainerSpec } from "./spec.js";
import {
  edgeNameProblems,
  edgeProblems,
  listenerProblems,
  networkProblems,
  parseContainer,
} from "./validate.js";

function awsBuilder(
  network: NetworkArgs,
  container: ContainerSpec,
  givenEdge: EdgeReference | EdgeReader | undefined,
  loadBalancerIngress: aws.types.input.ec2.SecurityGroupIngress[] | undefined,
): PlatformBuilder {
  let edge = givenEdge;
  /** The edge's ids; a reader is called here, after validation, once, and only when needed. */
  const edgeFor = (edgeStack: string, shared: boolean): EdgeReference | undefined => {
    if (typeof edge === "function") {
      if (!shared) return undefined;
      edge = edge(edgeStack);
    }
    return edge;
  };
  // Account and region are read once per service, and only when a cohort needs them.
  let account: { accountId: pulumi.Output<string>; region: pulumi.Output<string> } | undefined;
  return {
    createEdge(logical, environment, parent) {
      const created = createAwsEdge(logical, environment, network, parent, loadBalancerIngress);
      edge = created.reference;
      return { outputs: { ...created.outputs } };
    },
    createCohort(scope) {
      account ??= {
        accountId: aws.getCallerIdentityOutput({}, { parent: scope.service }).accountId,
        region: aws.getRegionOutput({}, { parent: scope.service }).region,
      };
      const { environment, cohort } = scope;
      return createAwsCohort(
        {
          environment,
          cohort,
          pin: scope.pin,
          names: cohortNames(environment.name, cohort.name),
          tags: cohortTags(cohort.name),
          logical: scope.logical,
          network,
          container,
          ...(loadBalancerIngress !== undefined ? { loadBalancerIngress } : {}),
          accountId: account.accountId,
          region: account.region,
          opts: { parent: scope.parent },
        },
        edgeFor(environment.edgeStack, cohort.ingress === "shared"),
        (message) => {
          throw new pulumi.ResourceError(message, scope.parent);
        },
      );
    },
  };
}

/**
 * Behind a Cloudflare edge with its ranges given, load balancers admit only Cloudflare
 * (cloudflareOnlyIngress); invalid ranges are reported by the Cloudflare validation.
 */
function cloudflareIngress(
  args: PlatformInput["args"],
): aws.types.input.ec2.SecurityGroupIngress[] | undefined {
  if (args.cloudflare === undefined || args.cloudflareRanges === undefined) return undefined;
  const ranges = cloudflareRangesSchema.safeParse(args.cloudflareRanges);
  return ranges.success ? cloudflareOnlyIngress(ranges.data, 443) : undefined;
}

export const awsPlatform: Platform = {
  id: "aws",
  prepare(input: PlatformInput) {
    const { args, environment, cohorts, part, owned } = input;
    const { container, problems } = parseContainer(args.container);
    problems.push(...networkProblems(args.network), ...listenerProblems(cohorts));
    if (part === "cohort" && owned?.ingress === "shared") problems.push(...edgeProblems(args.edge));
    if (environment !== undefined) problems.push(...edgeNameProblems(environment, cohorts));
    const builder =
      problems.length === 0 && container !== undefined && args.network !== undefined
        ? awsBuilder(args.network, container, args.edge, cloudflareIngress(args))
        : undefined;
    return { problems, builder };
  },
};
