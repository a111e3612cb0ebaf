/**
 * A cohort's workload: a Deployment running the pinned image with the cohort's own
 * configuration (a StatefulSet with a per-pod volume of the cohort's own StorageClass when the
 * cohort has one), probes, resources and a restricted security context, plus its ClusterIP
 * Service. Pulumi's readiness await stays on (no `pulumi.com/skipAwait`): an update of the
 * cohort's stack ends only once the new version's pods are ready, so the rollout's bake starts
 * on the running release, and a release that never becomes ready fails the update.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { imageReference } from "../aws/compute.js";
import type { KubernetesCohortContext } from "./context.js";
import { VOLUME } from "./names.js";

export interface CohortWorkload {
  workload: k8s.apps.v1.Deployment | k8s.apps.v1.StatefulSet;
  service: k8s.core.v1.Service;
}

export interface WorkloadWiring {
  /** Environment the cohort's storage adds (table and bucket names). */
  storageEnvironment: pulumi.Input<Record<string, string>>;
  /** Objects the workload waits for (namespace guards, pod identity). */
  dependsOn: pulumi.Resource[];
}

function podTemplate(
  ctx: KubernetesCohortContext,
  selector: Record<string, string>,
  wiring: WorkloadWiring,
  withVolume: boolean,
): pulumi.Input<k8s.types.input.core.v1.PodTemplateSpec> {
  const c = ctx.settings.container;
  const probe = {
    httpGet: { path: c.healthCheckPath, port: c.port },
    periodSeconds: 10,
    failureThreshold: 3,
  };
  const env = pulumi.output(wiring.storageEnvironment).apply((storage) => {
    const values: Record<string, string> = {
      ...ctx.pin.config,
      ...storage,
      COHORT: ctx.cohort.name,
      RELEASE: ctx.pin.release,
    };
    return Object.keys(values)
      .sort()
      .map((name) => ({ name, value: values[name] ?? "" }));
  });
  return {
    metadata: { labels: { ...ctx.labels, ...selector } },
    spec: {
      serviceAccountName: ctx.names.serviceAccount,
      automountServiceAccountToken: false,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 10001,
        runAsGroup: 10001,
        ...(withVolume ? { fsGroup: 10001 } : {}),
        seccompProfile: { type: "RuntimeDefault" },
      },
      containers: [
        {
          name: ctx.cloudNames.container,
          image: imageReference(c.image, ctx.pin.version),
          ports: [{ name: "http", containerPort: c.port, protocol: "TCP" }],
          env,
          readinessProbe: probe,
          livenessProbe: { ...probe, initialDelaySeconds: 10 },
          resources: {
            requests: { cpu: c.cpu, memory: c.memory },
            limits: { cpu: c.cpu, memory: c.memory },
          },
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"] },
          },
          ...(withVolume ? { volumeMounts: [{ name: VOLUME, mountPath: "/data" }] } : {}),
        },
      ],
    },
  };
}

/**
 * Creates the cohort's Deployment (or StatefulSet) and Service.
 * @param ctx the cohort's names, labels, settings and options.
 * @param wiring storage environment and the objects to wait for.
 */
export function createWorkload(
  ctx: KubernetesCohortContext,
  wiring: WorkloadWiring,
): CohortWorkload {
  const selector = { "app.kubernetes.io/name": ctx.names.workload };
  const timeout = ctx.settings.container.readyTimeoutSeconds;
  const metadata = {
    name: ctx.names.workload,
    namespace: ctx.names.namespace,
    labels: ctx.labels,
    // The provider's await gives up at the same time as the Deployment controller.
    annotations: { "pulumi.com/timeoutSeconds": String(timeout) },
  };
  const volume = ctx.settings.volumes[ctx.cohort.name];
  const opts = { ...ctx.opts, dependsOn: wiring.dependsOn };
  const workload =
    volume === undefined
      ? new k8s.apps.v1.Deployment(
          `${ctx.logical}-deployment`,
          {
            metadata,
            spec: {
              replicas: ctx.cohort.desiredCount,
              selector: { matchLabels: selector },
              progressDeadlineSeconds: timeout,
              strategy: {
                type: "RollingUpdate",
                rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
              },
              template: podTemplate(ctx, selector, wiring, false),
            },
          },
          opts,
        )
      : new k8s.apps.v1.StatefulSet(
          `${ctx.logical}-statefulset`,
          {
            metadata,
            spec: {
              replicas: ctx.cohort.desiredCount,
              serviceName: ctx.names.service,
              selector: { matchLabels: selector },
              template: podTemplate(ctx, selector, wiring, true),
              volumeClaimTemplates: [
                {
                  metadata: { name: VOLUME, labels: ctx.labels },
                  spec: {
                    accessModes: ["ReadWriteOnce"],
                    storageClassName: volume.storageClassName,
                    resources: { requests: { storage: volume.size } },
                  },
                },
              ],
              // The cohort's data outlives a scale-down or a deleted StatefulSet.
              persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
            },
          },
          opts,
        );
  const service = new k8s.core.v1.Service(
    `${ctx.logical}-service`,
    {
      metadata: { name: ctx.names.service, namespace: ctx.names.namespace, labels: ctx.labels },
      spec: {
        type: "ClusterIP",
        selector,
        ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
      },
    },
    opts,
  );
  return { workload, service };
}
