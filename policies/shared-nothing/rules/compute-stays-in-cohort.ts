import { COHORT_NAME_PATTERN } from "../../../components/identity.js";
import { cohortOfNamespace } from "../lib/cohort-of.js";
import { cohortsOf, describe, stringsIn, type Graph, type Node } from "../lib/graph.js";
import { stackRule, type Finding } from "../lib/rule.js";
import { K8S_WORKLOAD_TYPES, T } from "../lib/types.js";
import { isUnknown } from "../lib/unknowns.js";

export const COMPUTE_STAYS_IN_COHORT = "compute-stays-in-cohort";

/** Props of each compute type that name storage, roles, clusters or services. */
const REFERENCE_PROPS: Record<string, string[]> = {
  [T.taskDefinition]: ["taskRoleArn", "executionRoleArn", "containerDefinitions", "volumes"],
  [T.ecsService]: ["cluster", "taskDefinition", "loadBalancers", "networkConfiguration", "alarms"],
  [T.lambda]: [
    "role",
    "environment",
    "kmsKeyArn",
    "vpcConfig",
    "fileSystemConfig",
    "deadLetterConfig",
  ],
  [T.podIdentity]: ["roleArn"],
  // IRSA: the `eks.amazonaws.com/role-arn` annotation maps the namespace's pods to an AWS role.
  [T.k8sServiceAccount]: ["metadata"],
  ...Object.fromEntries(K8S_WORKLOAD_TYPES.map((t) => [t, ["spec"]])),
};

/** `app.cohort-pro.svc` / `app.cohort-pro.svc.cluster.local`: another namespace's Service by DNS. */
const SERVICE_DNS = /\.cohort-([a-z0-9-]+?)\.svc(?![A-Za-z0-9-])/g;

function cohortsByServiceDns(value: unknown): string[] {
  const found = new Set<string>();
  for (const s of stringsIn(value)) {
    if (isUnknown(s)) continue;
    for (const m of s.matchAll(SERVICE_DNS)) {
      if (m[1] !== undefined && COHORT_NAME_PATTERN.test(m[1])) found.add(m[1]);
    }
  }
  return [...found];
}

/** The cohort a compute resource runs for: its marker, or for EKS associations its namespace. */
function ownCohort(node: Node): string | undefined {
  if (node.type === T.podIdentity) return cohortOfNamespace(node.props["namespace"]) ?? node.cohort;
  return node.cohort;
}

function check(graph: Graph, node: Node, keys: string[]): Finding[] {
  if (node.marker.kind === "invalid" && node.type.startsWith("kubernetes:")) {
    return [
      {
        urn: node.urn,
        name: node.name,
        message: `${describe(node)} ${node.marker.reason}. Cohorts involved: ${node.marker.cohorts.join(", ")}. Fix: run a cohort's workload in its own namespace "cohort-<cohort>" with the matching label.`,
      },
    ];
  }
  const own = ownCohort(node);
  const reached = graph.reachedFrom(node, keys);
  const dnsCohorts = cohortsByServiceDns(keys.map((k) => node.props[k]));
  const foreign = reached.filter((r) => r.cohort !== own);
  const foreignDns = dnsCohorts.filter((c) => c !== own);
  // Another cohort stack's resources are not in this graph: only their literal names show.
  const named = graph
    .namedCohorts(keys.map((k) => node.props[k]))
    .filter((c) => !cohortsOf(reached).includes(c));
  const foreignNamed = named.filter((c) => c !== own);
  const all = [...new Set([...cohortsOf(reached), ...dnsCohorts, ...named])].sort();
  if (own === undefined && all.length <= 1) return [];
  if (own !== undefined && foreign.length + foreignDns.length + foreignNamed.length === 0)
    return [];
  const what = [
    ...foreign.map((r) => `${describe(r)} of cohort ${r.cohort ?? "?"}`),
    ...foreignDns.map((c) => `Service DNS in namespace cohort-${c}`),
    ...foreignNamed.map((c) => `a literal name of cohort ${c}'s resources`),
  ].join(", ");
  const involved = [...new Set([...(own ? [own] : []), ...all])].sort().join(", ");
  const who = own ? ` (cohort ${own})` : " (no cohort marker)";
  return [
    {
      urn: node.urn,
      name: node.name,
      message: `${describe(node)}${who} references ${what}. Cohorts involved: ${involved}. Fix: point its configuration, role and wiring at ${own ? `cohort ${own}'s` : "one cohort's"} own resources only.`,
    },
  ];
}

export const computeStaysInCohort = stackRule(
  {
    name: COMPUTE_STAYS_IN_COHORT,
    description:
      "No compute configuration (ECS task definitions and services, Lambda, Kubernetes env and volumes, EKS pod identity and IRSA service accounts) references another cohort's storage, role or service.",
  },
  (graph) =>
    Object.entries(REFERENCE_PROPS).flatMap(([type, keys]) =>
      graph.ofType(type).flatMap((node) => check(graph, node, keys)),
    ),
);
