// A program the shared-nothing pack can judge through the real Pulumi CLI without any cloud:
// Kubernetes resources rendered to YAML files (renderYamlToDirectory), so neither a cluster
// nor the AWS provider is needed. Config `variant`: "clean" (one cohort namespace with
// default-deny and a quota), or "host-path-volume" (the same plus a hostPath PersistentVolume,
// a node's disk every cohort's pods could share).
"use strict";
const pulumi = require("@pulumi/pulumi");
const k8s = require("@pulumi/kubernetes");

const config = new pulumi.Config();
const variant = config.require("variant");
const provider = new k8s.Provider("render", { renderYamlToDirectory: config.require("renderDir") });
const opts = { provider };
const labels = { cohort: "free" };
const namespace = "cohort-free";

new k8s.core.v1.Namespace("ns-free", { metadata: { name: namespace, labels } }, opts);
new k8s.networking.v1.NetworkPolicy(
  "free-default-deny",
  {
    metadata: { name: "default-deny", namespace, labels },
    spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
  },
  opts,
);
new k8s.core.v1.ResourceQuota(
  "free-quota",
  {
    metadata: { name: "no-external-services", namespace, labels },
    spec: { hard: { "services.loadbalancers": "0", "services.nodeports": "0" } },
  },
  opts,
);
if (variant === "host-path-volume") {
  new k8s.core.v1.PersistentVolume(
    "node-disk",
    {
      metadata: { name: "node-disk", labels },
      spec: {
        capacity: { storage: "1Gi" },
        accessModes: ["ReadWriteOnce"],
        hostPath: { path: "/var/lib/shared" },
      },
    },
    opts,
  );
} else if (variant !== "clean") {
  throw new Error(`unknown variant "${variant}" (clean, host-path-volume)`);
}
