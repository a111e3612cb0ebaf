/**
 * The Kubernetes edge: the gateway namespace and the environment's shared Gateway. Its
 * listener admits HTTPRoutes only from cohort namespaces (those carrying the `cohort` label);
 * a request no cohort's route claims gets the Gateway's 404, never a cohort. Both objects carry
 * the ingress marker, never a cohort's.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { COHORT_TAG_KEY, ingressTags } from "../identity.js";
import type { KubernetesSettings } from "./args.js";

/** What the Kubernetes edge stack exports as `edge`. */
export interface KubernetesEdgeOutputs {
  gatewayName: pulumi.Output<string>;
  gatewayNamespace: pulumi.Output<string>;
  listenerName: pulumi.Output<string>;
}

/**
 * Creates the gateway namespace and the shared Gateway.
 * @param logical logical-name prefix of the children (the Edge component's name).
 * @param settings the platform's settings (gateway name, namespace, class, listener, TLS).
 * @param opts parent (the Edge component) and cluster provider.
 */
export function createKubernetesEdge(
  logical: string,
  settings: KubernetesSettings,
  opts: pulumi.CustomResourceOptions,
): KubernetesEdgeOutputs {
  const g = settings.gateway;
  const labels = ingressTags();
  const namespace = new k8s.core.v1.Namespace(
    `${logical}-gateway-namespace`,
    {
      metadata: {
        name: g.namespace,
        labels: { ...labels, "pod-security.kubernetes.io/enforce": "restricted" },
      },
    },
    opts,
  );
  const tls = g.tlsSecretName;
  const gateway = new k8s.apiextensions.CustomResource(
    `${logical}-gateway`,
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "Gateway",
      metadata: { name: g.name, namespace: g.namespace, labels },
      spec: {
        gatewayClassName: g.className,
        listeners: [
          {
            name: g.listener,
            ...(tls !== undefined
              ? {
                  protocol: "HTTPS",
                  port: 443,
                  tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: tls }] },
                }
              : { protocol: "HTTP", port: 80 }),
            allowedRoutes: {
              kinds: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute" }],
              namespaces: {
                from: "Selector",
                selector: {
                  matchExpressions: [{ key: COHORT_TAG_KEY, operator: "Exists" }],
                },
              },
            },
          },
        ],
      },
    },
    { ...opts, dependsOn: [namespace] },
  );
  return {
    gatewayName: gateway.metadata.apply((m) => m?.name ?? g.name),
    gatewayNamespace: namespace.metadata.name,
    listenerName: gateway.metadata.apply(() => g.listener),
  };
}
