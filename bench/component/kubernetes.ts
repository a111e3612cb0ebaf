/**
 * The Kubernetes programs the component benchmark compares (bench/component/run-kubernetes.ts),
 * declaring the same objects:
 *
 * - `k8s-component`: `new CohortSegmentedService(...)` on `platform: kubernetes`, single-stack,
 *   with validation, the Edge and one CohortStack component per cohort;
 * - `k8s-flat`: the same Kubernetes objects and CloudWatch alarms, built by the same builders
 *   (components/kubernetes/*) but declared at the top level: no validation, no component
 *   resources, no parent chain. Its settings and specs are prepared before the clock starts.
 *
 * Every fourth cohort has a volume (a StatefulSet with its own StorageClass), so both kinds of
 * workload are in the figure.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { CohortSegmentedServiceArgs } from "../../components/args.js";
import { cohortTags } from "../../components/identity.js";
import {
  kubernetesSettingsSchema,
  type KubernetesSettings,
} from "../../components/kubernetes/args.js";
import { createKubernetesCohort } from "../../components/kubernetes/cohort.js";
import { createKubernetesEdge } from "../../components/kubernetes/edge.js";
import { kubernetesNames } from "../../components/kubernetes/names.js";
import { cohortNames } from "../../components/naming.js";
import { CohortSegmentedService } from "../../components/service.js";
import { validateArgs, type ValidatedArgs } from "../../components/validate.js";

export type KubernetesVariant = "k8s-component" | "k8s-flat";

/** An environment of `count` Kubernetes cohorts, header-matched, every fourth with a volume. */
export function kubernetesBenchArgs(count: number): CohortSegmentedServiceArgs {
  const cohorts = Array.from({ length: count }, (_, i) => ({
    name: `c${i}`,
    criticality: i % 3,
    match: { header: `c${i}` },
    bakeSeconds: 300,
  }));
  const volumes = Object.fromEntries(
    cohorts
      .filter((_, i) => i % 4 === 0)
      .map((c) => [c.name, { storageClassName: `ebs-${c.name}`, size: "5Gi" }]),
  );
  return {
    environment: { name: "bench", platform: "kubernetes", cohorts },
    part: "all",
    pins: Object.fromEntries(cohorts.map((c) => [c.name, { release: "r1", version: "1.0.0" }])),
    kubernetes: {
      clusterName: "bench",
      clusterCidrs: ["10.0.0.0/16", "172.20.0.0/16"],
      gateway: { host: "api.example.com" },
      volumes,
    },
  };
}

/** @pulumi/kubernetes loads its modules on first use: touch every class before the clock. */
export function loadKubernetesModules(): number {
  const classes: unknown[] = [
    k8s.core.v1.Namespace,
    k8s.core.v1.ServiceAccount,
    k8s.core.v1.Service,
    k8s.core.v1.ResourceQuota,
    k8s.core.v1.LimitRange,
    k8s.apps.v1.Deployment,
    k8s.apps.v1.StatefulSet,
    k8s.networking.v1.NetworkPolicy,
    k8s.apiextensions.CustomResource,
  ];
  return classes.filter((c) => typeof c === "function").length;
}

/** What the flat program declares from: the validated specs and settings. */
export interface KubernetesFlatInput {
  spec: ValidatedArgs;
  settings: KubernetesSettings;
}

/** Work done before the clock starts (only the flat program has any). */
export function prepareKubernetes(
  variant: KubernetesVariant,
  args: CohortSegmentedServiceArgs,
): KubernetesFlatInput | undefined {
  if (variant !== "k8s-flat") return undefined;
  return {
    spec: validateArgs("bench", args),
    settings: kubernetesSettingsSchema.parse(args.kubernetes),
  };
}

export function runKubernetesComponent(args: CohortSegmentedServiceArgs): pulumi.Output<unknown> {
  return new CohortSegmentedService("bench", args).cohorts;
}

/** The same objects as the component, declared flat (mirrors components/kubernetes/platform.ts). */
export function runKubernetesFlat({ spec, settings }: KubernetesFlatInput): pulumi.Output<unknown> {
  const env = spec.environment;
  const edge = createKubernetesEdge("flat-edge", settings, {});
  const outputs: pulumi.Output<string>[] = [edge.gatewayName];
  for (const cohort of spec.owned) {
    const pin = spec.pins.get(cohort.name);
    if (pin === undefined) throw new Error(`no pin for ${cohort.name}`);
    const build = createKubernetesCohort(
      {
        environment: env,
        cohort,
        pin,
        names: kubernetesNames(cohort.name),
        cloudNames: cohortNames(env.name, cohort.name),
        labels: cohortTags(cohort.name),
        settings,
        logical: `flat-${cohort.name}`,
        opts: {},
        cloudOpts: {},
      },
      () => {
        throw new Error("the bench environment has no cloud storage");
      },
    );
    outputs.push(pulumi.output(build.compositeAlarmName));
  }
  return pulumi.all(outputs);
}
