import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import { cohortNamespace, cohortTags, ingressTags } from "../../../../components/identity.js";

/**
 * A legal Kubernetes cohort, hand-written: namespace `cohort-<c>` with default-deny plus an
 * allow-list, a quota without LoadBalancer/NodePort, workload, ClusterIP Service, PVC, an
 * HTTPRoute matching only its cohort, and a Container Insights alarm on its namespace.
 */
export const GATEWAY_NAMESPACE = "gateway-system";

export interface K8sCohortOptions {
  noDefaultDeny?: boolean;
  noQuota?: boolean;
  noAlarm?: boolean;
  noRoute?: boolean;
}

export function k8sGateway(): void {
  new k8s.core.v1.Namespace("ns-gateway", {
    metadata: { name: GATEWAY_NAMESPACE, labels: ingressTags() },
  });
  new k8s.apiextensions.CustomResource("public-gateway", {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "Gateway",
    metadata: { name: "public", namespace: GATEWAY_NAMESPACE, labels: ingressTags() },
    spec: {
      gatewayClassName: "aws-alb",
      listeners: [
        {
          name: "https",
          port: 443,
          protocol: "HTTPS",
          allowedRoutes: { namespaces: { from: "Selector" } },
        },
      ],
    },
  });
}

export function k8sCohort(c: string, options: K8sCohortOptions = {}): { namespace: string } {
  const namespace = cohortNamespace(c);
  const labels = cohortTags(c);
  new k8s.core.v1.Namespace(`ns-${c}`, {
    metadata: {
      name: namespace,
      labels: { ...labels, "pod-security.kubernetes.io/enforce": "restricted" },
    },
  });
  if (!options.noDefaultDeny) {
    new k8s.networking.v1.NetworkPolicy(`${c}-default-deny`, {
      metadata: { name: "default-deny", namespace, labels },
      spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    });
  }
  new k8s.networking.v1.NetworkPolicy(`${c}-allow`, {
    metadata: { name: "allow-gateway-and-dns", namespace, labels },
    spec: {
      podSelector: {},
      policyTypes: ["Ingress", "Egress"],
      ingress: [
        { from: [{ podSelector: {} }] },
        {
          from: [
            {
              namespaceSelector: {
                matchLabels: { "kubernetes.io/metadata.name": GATEWAY_NAMESPACE },
              },
            },
          ],
        },
      ],
      egress: [
        {
          ports: [
            { port: 53, protocol: "UDP" },
            { port: 53, protocol: "TCP" },
          ],
        },
      ],
    },
  });
  if (!options.noQuota) {
    new k8s.core.v1.ResourceQuota(`${c}-quota`, {
      metadata: { name: "cohort-quota", namespace, labels },
      spec: { hard: { pods: "50", "services.loadbalancers": "0", "services.nodeports": "0" } },
    });
  }
  new k8s.core.v1.PersistentVolumeClaim(`${c}-data`, {
    metadata: { name: "data", namespace, labels },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "10Gi" } } },
  });
  new k8s.apps.v1.Deployment(`${c}-app`, {
    metadata: { name: "app", namespace, labels },
    spec: {
      selector: { matchLabels: { app: "app" } },
      template: {
        metadata: { labels: { app: "app", ...labels } },
        spec: {
          containers: [
            {
              name: "app",
              image: "example/app:1.4.2",
              env: [{ name: "PEER", value: `http://worker.${namespace}.svc.cluster.local` }],
              volumeMounts: [{ name: "data", mountPath: "/data" }],
            },
          ],
          volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data" } }],
        },
      },
    },
  });
  new k8s.core.v1.Service(`${c}-svc`, {
    metadata: { name: "app", namespace, labels },
    spec: { type: "ClusterIP", selector: { app: "app" }, ports: [{ port: 80, targetPort: 8080 }] },
  });
  if (!options.noRoute) {
    new k8s.apiextensions.CustomResource(`${c}-route`, {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: "cohort-route", namespace, labels },
      spec: {
        parentRefs: [{ name: "public", namespace: GATEWAY_NAMESPACE, sectionName: "https" }],
        hostnames: ["api.example.com"],
        rules: [
          {
            matches: [{ headers: [{ type: "Exact", name: "x-customer-cohort", value: c }] }],
            backendRefs: [{ name: "app", port: 80 }],
          },
        ],
      },
    });
  }
  if (!options.noAlarm) {
    new aws.cloudwatch.MetricAlarm(`${c}-pods-alarm`, {
      name: `cohort-${c}-running-pods`,
      comparisonOperator: "LessThanThreshold",
      evaluationPeriods: 2,
      metricName: "namespace_number_of_running_pods",
      namespace: "ContainerInsights",
      period: 60,
      statistic: "Minimum",
      threshold: 1,
      dimensions: { ClusterName: "main", Namespace: namespace },
      tags: cohortTags(c),
    });
  }
  return { namespace };
}

export function k8sTwoCohorts(
  options: { free?: K8sCohortOptions; pro?: K8sCohortOptions } = {},
): void {
  k8sGateway();
  k8sCohort("free", options.free);
  k8sCohort("pro", options.pro);
}
