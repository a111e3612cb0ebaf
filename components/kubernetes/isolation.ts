/**
 * A cohort's namespace and its walls: pod security `restricted` (no hostPath, no privilege),
 * a default-deny NetworkPolicy in both directions plus an allow-list (its own namespace, the
 * gateway's namespace, the shared AWS load balancer's subnets when there is one, cluster DNS,
 * HTTPS out to anything but the cluster's CIDRs and the instance metadata address), a
 * ResourceQuota that forbids LoadBalancer and NodePort Services (no ingress around the Gateway
 * and the shared load balancer), a LimitRange, and the cohort's ServiceAccount.
 */
import * as k8s from "@pulumi/kubernetes";
import type { KubernetesCohortContext } from "./context.js";

/** The instance metadata address: its credentials are the node's, not the cohort's. */
export const METADATA_CIDR = "169.254.169.254/32";
const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

export interface CohortIsolation {
  namespace: k8s.core.v1.Namespace;
  serviceAccount: k8s.core.v1.ServiceAccount;
  /** Objects the workload must wait for (policies and quotas in place before pods start). */
  guards: k8s.core.v1.ResourceQuota[];
}

function meta(ctx: KubernetesCohortContext, name: string) {
  return { name, namespace: ctx.names.namespace, labels: ctx.labels };
}

/**
 * Creates the namespace, its policies, quota, limits and service account.
 * @param ctx the cohort's names, labels, settings and options.
 */
export function createIsolation(ctx: KubernetesCohortContext): CohortIsolation {
  const namespace = new k8s.core.v1.Namespace(
    `${ctx.logical}-namespace`,
    {
      metadata: {
        name: ctx.names.namespace,
        labels: {
          ...ctx.labels,
          "pod-security.kubernetes.io/enforce": "restricted",
          "pod-security.kubernetes.io/enforce-version": "latest",
        },
      },
    },
    ctx.opts,
  );
  const inNamespace = { ...ctx.opts, dependsOn: [namespace] };
  new k8s.networking.v1.NetworkPolicy(
    `${ctx.logical}-default-deny`,
    {
      metadata: meta(ctx, ctx.names.denyAll),
      spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    },
    inNamespace,
  );
  const gateway = ctx.settings.gateway.namespace;
  const port = ctx.settings.container.port;
  const lb = ctx.settings.loadBalancer;
  new k8s.networking.v1.NetworkPolicy(
    `${ctx.logical}-allow`,
    {
      metadata: meta(ctx, ctx.names.allow),
      spec: {
        podSelector: {},
        policyTypes: ["Ingress", "Egress"],
        ingress: [
          { from: [{ podSelector: {} }] },
          {
            from: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: gateway } } }],
            ports: [{ protocol: "TCP", port }],
          },
          // The ALB reaches IP targets from its subnets' addresses, not from a pod: admit
          // those subnets (validated to hold no cluster CIDR), to the pods' port only.
          ...(lb !== undefined
            ? [
                {
                  from: lb.sourceCidrs.map((cidr) => ({ ipBlock: { cidr } })),
                  ports: [{ protocol: "TCP", port }],
                },
              ]
            : []),
        ],
        egress: [
          { to: [{ podSelector: {} }] },
          {
            to: [
              {
                namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: "kube-system" } },
                podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
              },
            ],
            ports: [
              { protocol: "UDP", port: 53 },
              { protocol: "TCP", port: 53 },
            ],
          },
          {
            to: [
              {
                ipBlock: {
                  cidr: "0.0.0.0/0",
                  except: [...ctx.settings.clusterCidrs, METADATA_CIDR],
                },
              },
            ],
            ports: [{ protocol: "TCP", port: 443 }],
          },
        ],
      },
    },
    inNamespace,
  );
  const { cpu, memory } = ctx.settings.container;
  const replicas = Math.max(ctx.cohort.desiredCount, 1);
  // Room for a rolling update (one surge pod) on top of the desired pods.
  const pods = replicas * 2 + 1;
  const quota = new k8s.core.v1.ResourceQuota(
    `${ctx.logical}-quota`,
    {
      metadata: meta(ctx, ctx.names.quota),
      spec: {
        hard: {
          pods: String(pods),
          "requests.cpu": scale(cpu, pods),
          "limits.memory": scale(memory, pods),
          persistentvolumeclaims: String(replicas),
          "services.loadbalancers": "0",
          "services.nodeports": "0",
        },
      },
    },
    inNamespace,
  );
  new k8s.core.v1.LimitRange(
    `${ctx.logical}-limits`,
    {
      metadata: meta(ctx, ctx.names.limits),
      spec: {
        limits: [
          {
            type: "Container",
            default: { cpu, memory },
            defaultRequest: { cpu, memory },
            max: { cpu, memory },
          },
        ],
      },
    },
    inNamespace,
  );
  const serviceAccount = new k8s.core.v1.ServiceAccount(
    `${ctx.logical}-service-account`,
    {
      metadata: meta(ctx, ctx.names.serviceAccount),
      // Pods get no API token: the cohort's workload has no business with the cluster's API.
      automountServiceAccountToken: false,
    },
    inNamespace,
  );
  return { namespace, serviceAccount, guards: [quota] };
}

/** `n` times a quantity, keeping its unit (`250m` x 5 = `1250m`). */
export function scale(quantity: string, n: number): string {
  const match = /^([0-9]+(?:\.[0-9]+)?)(.*)$/.exec(quantity);
  if (match === null) return quantity;
  const value = Number(match[1]) * n;
  return `${Number.isInteger(value) ? value : value.toFixed(3)}${match[2] ?? ""}`;
}
