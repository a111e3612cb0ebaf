import { asArray, asRecord, cohortOfNamespace, k8sMeta } from "../lib/cohort-of.js";
import { describe, type Node } from "../lib/graph.js";
import { stackRule, type Finding } from "../lib/rule.js";
import { T } from "../lib/types.js";

export const K8S_DEFAULT_DENY = "k8s-default-deny";

function isEmptySelector(value: unknown): boolean {
  const sel = asRecord(value);
  if (!sel) return value === undefined || value === null;
  return (
    asArray(sel["matchExpressions"]).length === 0 &&
    Object.keys(asRecord(sel["matchLabels"]) ?? {}).length === 0
  );
}

/** `podSelector: {}`, both policy types, no allow rules: nothing in or out unless allowed elsewhere. */
function isDefaultDeny(policy: Node): boolean {
  const spec = asRecord(policy.props["spec"]) ?? {};
  if (!("podSelector" in spec) || !isEmptySelector(spec["podSelector"])) return false;
  const types = asArray(spec["policyTypes"]);
  return (
    types.includes("Ingress") &&
    types.includes("Egress") &&
    asArray(spec["ingress"]).length === 0 &&
    asArray(spec["egress"]).length === 0
  );
}

const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/**
 * What a namespaceSelector's matchExpressions admit: another cohort's namespace by name or
 * cohort label (`In`), or, through `NotIn` / `Exists` / `DoesNotExist` on those keys, every
 * namespace not listed (other cohorts included).
 */
function expressionProblems(sel: Record<string, unknown> | undefined, own: string, tagKey: string) {
  const problems: string[] = [];
  for (const e of asArray(sel?.["matchExpressions"])) {
    const expr = asRecord(e) ?? {};
    const key = expr["key"];
    const byName = key === NAMESPACE_NAME_LABEL;
    const byCohort = typeof key === "string" && key.toLowerCase() === tagKey.toLowerCase();
    if (!byName && !byCohort) continue;
    const operator = expr["operator"];
    if (operator !== "In") {
      problems.push(
        `a peer selecting namespaces by "${key} ${String(operator)}" (every namespace not listed, other cohorts included)`,
      );
      continue;
    }
    for (const v of asArray(expr["values"])) {
      const other = byName ? cohortOfNamespace(v) : typeof v === "string" ? v : undefined;
      if (other !== undefined && other !== own)
        problems.push(
          byName
            ? `a peer selecting namespace cohort-${other}`
            : `a peer selecting cohort ${other}'s namespaces`,
        );
    }
  }
  return problems;
}

/** Peers that open a cohort namespace to every namespace, or to another cohort's. */
function openPeers(policy: Node, own: string, tagKey: string): string[] {
  const spec = asRecord(policy.props["spec"]) ?? {};
  const problems: string[] = [];
  // An ingress rule without `from` (or with an empty one) admits every source, in every
  // namespace. (Egress rules without `to` are the usual DNS allow-list and stay allowed: the
  // other cohort's own default deny still refuses the connection.)
  for (const r of asArray(spec["ingress"])) {
    if (asArray(asRecord(r)?.["from"]).length === 0)
      problems.push(
        "an ingress rule without `from` (every source in every namespace, every cohort)",
      );
  }
  const peers = [
    ...asArray(spec["ingress"]).flatMap((r) => asArray(asRecord(r)?.["from"])),
    ...asArray(spec["egress"]).flatMap((r) => asArray(asRecord(r)?.["to"])),
  ];
  for (const p of peers) {
    const peer = asRecord(p) ?? {};
    if ("namespaceSelector" in peer) {
      const sel = asRecord(peer["namespaceSelector"]);
      if (isEmptySelector(sel)) {
        problems.push("a peer with namespaceSelector {} (every namespace, every cohort)");
        continue;
      }
      const labels = asRecord(sel?.["matchLabels"]) ?? {};
      for (const v of Object.values(labels)) {
        const other = cohortOfNamespace(v) ?? (typeof v === "string" ? undefined : undefined);
        if (other !== undefined && other !== own)
          problems.push(`a peer selecting namespace cohort-${other}`);
      }
      for (const [k, v] of Object.entries(labels)) {
        if (k.toLowerCase() === tagKey.toLowerCase() && typeof v === "string" && v !== own)
          problems.push(`a peer selecting cohort ${v}'s namespaces`);
      }
      problems.push(...expressionProblems(sel, own, tagKey));
    }
  }
  return problems;
}

export const k8sDefaultDeny = stackRule(
  {
    name: K8S_DEFAULT_DENY,
    description:
      "Every cohort namespace has a default-deny NetworkPolicy (podSelector {}, Ingress and Egress, no rules), and no policy there opens it to all namespaces or another cohort's.",
  },
  (graph, cfg) => {
    const findings: Finding[] = [];
    const policies = graph.ofType(T.k8sNetworkPolicy);
    for (const ns of graph.ofType(T.k8sNamespace)) {
      const name = k8sMeta(ns.props).name;
      const cohort = cohortOfNamespace(name) ?? ns.cohort;
      if (cohort === undefined || name === undefined) continue;
      const inNs = policies.filter((p) => k8sMeta(p.props).namespace === name);
      if (!inNs.some(isDefaultDeny)) {
        findings.push({
          urn: ns.urn,
          name: ns.name,
          message: `${describe(ns)} (cohort ${cohort}) has no default-deny NetworkPolicy, so every pod of any cohort can reach it. Cohorts involved: ${cohort} and every other. Fix: add a NetworkPolicy in "${name}" with podSelector {}, policyTypes [Ingress, Egress] and no rules; allow-list what it needs in separate policies.`,
        });
      }
      for (const p of inNs) {
        const problems = openPeers(p, cohort, cfg.cohortTagKey);
        if (problems.length > 0) {
          findings.push({
            urn: p.urn,
            name: p.name,
            message: `${describe(p)} in cohort ${cohort}'s namespace allows ${[...new Set(problems)].join("; ")}. Cohorts involved: ${cohort} and others. Fix: select peers by the exact namespace name (kubernetes.io/metadata.name) of the gateway or the same namespace only.`,
          });
        }
      }
    }
    return findings;
  },
);
