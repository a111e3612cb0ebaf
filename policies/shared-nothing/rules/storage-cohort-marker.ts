import { asArray, asRecord, k8sMeta, markerOf, type Marker } from "../lib/cohort-of.js";
import { cohortsOf, describe, type Graph, type Node } from "../lib/graph.js";
import { stackRule, type Finding } from "../lib/rule.js";
import { STORAGE_TYPES, T } from "../lib/types.js";
import type { RuleConfig } from "../lib/config.js";

export const STORAGE_COHORT_MARKER = "storage-cohort-marker";

/** Props through which a store names the KMS key that encrypts it. */
const KEY_PROPS = ["serverSideEncryption", "kmsKeyId", "kmsKeyArn", "atRestEncryptionEnabled"];

/** What is wrong with a store's marker, with the cohorts it involves; undefined when fine. */
function markerProblem(marker: Marker, tagKey: string): string | undefined {
  switch (marker.kind) {
    case "none":
      return `carries no cohort marker (tag/label "${tagKey}"). Cohorts involved: none (the store belongs to no cohort)`;
    case "ingress":
      return "is marked as shared ingress, but storage is never shared between cohorts. Cohorts involved: every cohort of the ingress";
    case "invalid":
      return `${marker.reason}. Cohorts involved: ${marker.cohorts.join(", ")}`;
    default:
      return undefined;
  }
}

function fix(tagKey: string): string {
  return `Fix: give it exactly one marker naming the cohort that owns it (AWS tag / Kubernetes label "${tagKey}=<cohort>", Cloudflare tag "${tagKey}:<cohort>").`;
}

function claimTemplateFindings(node: Node, cfg: RuleConfig): Finding[] {
  const spec = asRecord(node.props["spec"]) ?? {};
  const namespace = k8sMeta(node.props).namespace;
  return asArray(spec["volumeClaimTemplates"]).flatMap((template, i) => {
    const meta = asRecord(asRecord(template)?.["metadata"]) ?? {};
    const marker = markerOf(T.k8sPvc, { metadata: { ...meta, namespace } }, cfg);
    const problem = markerProblem(marker, cfg.cohortTagKey);
    const label = typeof meta["name"] === "string" ? meta["name"] : `#${i}`;
    if (problem) {
      return [
        {
          urn: node.urn,
          name: node.name,
          message: `${describe(node)}: volume claim template "${label}" ${problem}. ${fix(cfg.cohortTagKey)}`,
        },
      ];
    }
    if (marker.kind === "cohort" && node.cohort && marker.cohort !== node.cohort) {
      return [
        {
          urn: node.urn,
          name: node.name,
          message: `${describe(node)} (cohort ${node.cohort}): volume claim template "${label}" is marked for cohort ${marker.cohort}. Cohorts involved: ${node.cohort}, ${marker.cohort}. Fix: label the claim template with the StatefulSet's own cohort.`,
        },
      ];
    }
    return [];
  });
}

function foreignKeyFindings(
  graph: Graph,
  node: Node,
  keyProps: readonly string[],
  owner: string,
): Finding[] {
  const keys = graph
    .reachedFrom(node, keyProps)
    .filter((k) => k.type === T.kmsKey && k.cohort !== owner);
  if (keys.length === 0) return [];
  return [
    {
      urn: node.urn,
      name: node.name,
      message: `${describe(node)} (cohort ${owner}) is encrypted with ${keys.map(describe).join(", ")} of cohort ${cohortsOf(keys).join(", ")}. Cohorts involved: ${[owner, ...cohortsOf(keys)].join(", ")}. Fix: encrypt each cohort's storage with that cohort's own KMS key.`,
    },
  ];
}

export const storageCohortMarker = stackRule(
  {
    name: STORAGE_COHORT_MARKER,
    description:
      "Every storage resource (DynamoDB, S3, RDS/Aurora, EFS, ElastiCache, KMS keys, PVCs, StatefulSet claim templates) carries exactly one known cohort marker and is encrypted with its own cohort's key.",
    extraConfig: {
      extraStorageTypes: {
        type: "array",
        items: { type: "string" },
        default: [],
        description: "More exact type tokens to treat as storage (e.g. aws:sqs/queue:Queue).",
      },
    },
  },
  (graph, cfg) => {
    const types = [...STORAGE_TYPES, ...cfg.extraStorageTypes];
    const findings: Finding[] = [];
    for (const node of graph.ofType(...types)) {
      if (node.type === T.k8sStatefulSet) {
        findings.push(...claimTemplateFindings(node, cfg));
        continue;
      }
      const problem = markerProblem(node.marker, cfg.cohortTagKey);
      if (problem) {
        findings.push({
          urn: node.urn,
          name: node.name,
          message: `${describe(node)} ${problem}. ${fix(cfg.cohortTagKey)}`,
        });
        continue;
      }
      if (node.cohort && node.type !== T.kmsKey) {
        findings.push(...foreignKeyFindings(graph, node, KEY_PROPS, node.cohort));
      }
    }
    // Bucket encryption is configured by a separate resource in aws v7.
    for (const sse of graph.ofType(T.bucketSse, T.bucketSseV2)) {
      const [bucket] = graph.reachedFrom(sse, ["bucket"]);
      if (bucket?.cohort)
        findings.push(...foreignKeyFindings(graph, sse, ["rules"], bucket.cohort));
    }
    return findings;
  },
);
