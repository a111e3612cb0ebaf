/**
 * The Kubernetes platform behind the seam (../platform.ts): per cohort a namespace with
 * default-deny policies, quota and limits, a Deployment or StatefulSet and a ClusterIP Service,
 * an HTTPRoute on the edge's shared Gateway, CloudWatch alarms on Container Insights metrics,
 * and optionally the cohort's own AWS table and bucket through EKS Pod Identity. Its args are
 * `kubernetes` (./args.ts).
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { cohortTags } from "../identity.js";
import { cohortNames } from "../naming.js";
import type { Platform, PlatformBuilder } from "../platform.js";
import type { KubernetesSettings } from "./args.js";
import { createKubernetesCohort } from "./cohort.js";
import { createKubernetesEdge } from "./edge.js";
import { kubernetesNames } from "./names.js";
import { validateKubernetes } from "./validate.js";

function kubernetesBuilder(
  settings: KubernetesSettings,
  provider: pulumi.ProviderResource | undefined,
): PlatformBuilder {
  const withProvider = (parent: pulumi.Resource): pulumi.CustomResourceOptions =>
    provider !== undefined ? { parent, provider } : { parent };
  let account: { accountId: pulumi.Output<string>; region: pulumi.Output<string> } | undefined;
  return {
    createEdge(logical, _environment, parent) {
      return { outputs: { ...createKubernetesEdge(logical, settings, withProvider(parent)) } };
    },
    createCohort(scope) {
      const { environment, cohort } = scope;
      return createKubernetesCohort(
        {
          environment,
          cohort,
          pin: scope.pin,
          names: kubernetesNames(cohort.name),
          cloudNames: cohortNames(environment.name, cohort.name),
          labels: cohortTags(cohort.name),
          settings,
          logical: scope.logical,
          opts: withProvider(scope.parent),
          cloudOpts: { parent: scope.parent },
        },
        () =>
          (account ??= {
            accountId: aws.getCallerIdentityOutput({}, { parent: scope.service }).accountId,
            region: aws.getRegionOutput({}, { parent: scope.service }).region,
          }),
      );
    },
  };
}

export const kubernetesPlatform: Platform = {
  id: "kubernetes",
  prepare(input) {
    const { settings, problems } = validateKubernetes(input);
    const builder =
      problems.length === 0 && settings !== undefined
        ? kubernetesBuilder(settings, input.args.kubernetes?.provider)
        : undefined;
    return { problems, builder };
  },
};
