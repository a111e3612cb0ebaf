import { asArray, asRecord } from "../lib/cohort-of.js";
import { exactBaseOf } from "../lib/arn-match.js";
import { describe, type Graph, type Node } from "../lib/graph.js";
import {
  isBroadManagedPolicy,
  parsePolicyDocument,
  touchesDataPlane,
} from "../lib/iam-statements.js";
import { stackRule, type Finding } from "../lib/rule.js";
import { T } from "../lib/types.js";
import { isUnknown } from "../lib/unknowns.js";

export const IAM_GRANT_SINGLE_COHORT = "iam-grant-single-cohort";

/** Where a grant-bearing resource keeps its document, and what it is attached to. */
interface GrantSource {
  docKey: string;
  doc: unknown;
  /** Props naming the principal or resource the grant is attached to. */
  ownerKeys: string[];
  /** The resource itself is the owner (key policies, role inline policies). */
  selfOwned: boolean;
  /** `Resource: "*"` means "this resource" (KMS key policies). */
  starIsSelf: boolean;
  /** A resource policy (bucket, key, DynamoDB): its Principal says who is admitted. */
  resourcePolicy: boolean;
}

function sourcesOf(node: Node): GrantSource[] {
  const p = node.props;
  const base = {
    ownerKeys: [] as string[],
    selfOwned: false,
    starIsSelf: false,
    resourcePolicy: false,
  };
  switch (node.type) {
    case T.rolePolicy:
      return [{ ...base, docKey: "policy", doc: p["policy"], ownerKeys: ["role"] }];
    case T.userPolicy:
      return [{ ...base, docKey: "policy", doc: p["policy"], ownerKeys: ["user"] }];
    case T.iamPolicy:
      return [{ ...base, docKey: "policy", doc: p["policy"] }];
    case T.role:
      return asArray(p["inlinePolicies"]).map((ip) => ({
        ...base,
        docKey: "inlinePolicies",
        doc: asRecord(ip)?.["policy"],
        selfOwned: true,
      }));
    case T.bucketPolicy:
      return [
        {
          ...base,
          docKey: "policy",
          doc: p["policy"],
          ownerKeys: ["bucket"],
          resourcePolicy: true,
        },
      ];
    case T.kmsKey:
      return [
        {
          ...base,
          docKey: "policy",
          doc: p["policy"],
          selfOwned: true,
          starIsSelf: true,
          resourcePolicy: true,
        },
      ];
    case T.kmsKeyPolicy:
      return [
        {
          ...base,
          docKey: "policy",
          doc: p["policy"],
          ownerKeys: ["keyId"],
          starIsSelf: true,
          resourcePolicy: true,
        },
      ];
    case T.dynamoResourcePolicy:
      return [
        {
          ...base,
          docKey: "policy",
          doc: p["policy"],
          ownerKeys: ["resourceArn"],
          resourcePolicy: true,
        },
      ];
    default:
      return [];
  }
}

const GRANT_TYPES = [
  T.rolePolicy,
  T.userPolicy,
  T.iamPolicy,
  T.role,
  T.bucketPolicy,
  T.kmsKey,
  T.kmsKeyPolicy,
  T.dynamoResourcePolicy,
];

/**
 * Resources that attach managed policies to principals: which props name the principals and
 * which the policy ARNs. A role's own `managedPolicyArns` is handled with the role.
 */
const ATTACHMENTS: Record<string, { principalKeys: string[]; policyKeys: string[] }> = {
  [T.rolePolicyAttachment]: { principalKeys: ["role"], policyKeys: ["policyArn"] },
  [T.policyAttachment]: { principalKeys: ["roles", "users", "groups"], policyKeys: ["policyArn"] },
  [T.rolePolicyAttachmentsExclusive]: { principalKeys: ["roleName"], policyKeys: ["policyArns"] },
};

function policyArnsOf(node: Node, keys: readonly string[]): unknown[] {
  return keys.flatMap((k) => {
    const v = node.props[k];
    return Array.isArray(v) ? (v as unknown[]) : [v];
  });
}

/** Managed policies of this stack that `keys` attach, by dependency (preview-safe) or known ARN. */
function attachedPolicies(graph: Graph, node: Node, keys: readonly string[]): Node[] {
  const arns = policyArnsOf(node, keys).filter((a) => typeof a === "string" && !isUnknown(a));
  const deps = keys.flatMap((k) => node.propDeps[k] ?? []);
  return graph
    .ofType(T.iamPolicy)
    .filter(
      (p) =>
        deps.includes(p) || (typeof p.props["arn"] === "string" && arns.includes(p.props["arn"])),
    );
}

function finding(node: Node, message: string): Finding {
  return { urn: node.urn, name: node.name, message };
}

/**
 * One thing a grant reaches, with its cohort: a cohort-marked resource of this stack (by value or,
 * at preview, by property dependency), or a literal name of another stack's resource that follows
 * the naming convention.
 */
interface Reach {
  cohort: string;
  what: string;
}

function reachOf(graph: Graph, nodes: readonly Node[], value: unknown): Reach[] {
  const byNode = nodes.flatMap((n) => (n.cohort ? [{ cohort: n.cohort, what: describe(n) }] : []));
  const byName = graph
    .namedCohorts(value)
    .filter((c) => !byNode.some((r) => r.cohort === c))
    .map((c) => ({ cohort: c, what: `a literal name of cohort ${c}'s resources` }));
  return [...byNode, ...byName];
}

function cohortsReached(reach: readonly Reach[]): string[] {
  return [...new Set(reach.map((r) => r.cohort))].sort();
}

/** Wildcard findings of one document, and what it reaches. */
function analyse(
  graph: Graph,
  node: Node,
  source: GrantSource,
): { problems: string[]; reached: Reach[] } {
  const problems: string[] = [];
  const parsed = parsePolicyDocument(source.doc);
  if (parsed.kind === "invalid")
    problems.push(`its ${source.docKey} cannot be read (${parsed.reason})`);
  if (parsed.kind === "ok") {
    for (const st of parsed.statements) {
      if (!st.allow || !touchesDataPlane(st)) continue;
      const actions = st.notAction ? `NotAction ${st.actions.join(", ")}` : st.actions.join(", ");
      if (source.resourcePolicy && st.anyPrincipal && !st.conditional)
        problems.push(
          `allows ${actions} to Principal "*" without a Condition, so every cohort's roles (and any account) can use it`,
        );
      if (st.notResource)
        problems.push(`allows ${actions} on NotResource, which reaches every other resource`);
      for (const r of st.resources) {
        if (isUnknown(r)) continue;
        if (r === "*") {
          if (!source.starIsSelf) problems.push(`allows ${actions} on Resource "*"`);
        } else if (exactBaseOf(r) === undefined) {
          problems.push(
            `allows ${actions} on wildcard ARN "${r}", which can match other cohorts' resources`,
          );
        }
      }
    }
  }
  const owners = source.selfOwned
    ? node.cohort
      ? [node]
      : []
    : graph.reachedFrom(node, source.ownerKeys);
  const nodes = [
    ...graph.referencedIn(source.doc, node),
    ...graph.dependedOn(node, [source.docKey]),
    ...owners,
  ];
  const ownerValues = source.ownerKeys.map((k) => node.props[k]);
  return { problems, reached: reachOf(graph, [...new Set(nodes)], [source.doc, ownerValues]) };
}

function crossingMessage(node: Node, reached: readonly Reach[]): string {
  const cohorts = cohortsReached(reached);
  const perCohort = cohorts
    .map(
      (c) =>
        `${c}: ${[...new Set(reached.filter((r) => r.cohort === c).map((r) => r.what))].join(", ")}`,
    )
    .join("; ");
  return `${describe(node)} grants across cohorts ${cohorts.join(", ")} (${perCohort}). Cohorts involved: ${cohorts.join(", ")}. Fix: split it so each cohort's role is granted only that cohort's own storage ARNs.`;
}

export const iamGrantSingleCohort = stackRule(
  {
    name: IAM_GRANT_SINGLE_COHORT,
    description:
      "No IAM grant (role/managed/inline policies, bucket, key and DynamoDB resource policies) reaches more than one cohort or uses * / wildcard ARNs on data-plane actions.",
  },
  (graph) => {
    const findings: Finding[] = [];
    const analysed = new Map<Node, { problems: string[]; reached: Reach[] }>();
    for (const node of graph.ofType(...GRANT_TYPES)) {
      const problems: string[] = [];
      const reached: Reach[] = [];
      for (const source of sourcesOf(node)) {
        const result = analyse(graph, node, source);
        problems.push(...result.problems);
        reached.push(...result.reached);
      }
      analysed.set(node, { problems, reached });
    }
    const reachOfPolicy = (p: Node): Reach[] => analysed.get(p)?.reached ?? [];
    for (const [node, { problems, reached }] of analysed) {
      if (node.type === T.role) {
        for (const arn of asArray(node.props["managedPolicyArns"])) {
          if (isBroadManagedPolicy(arn))
            problems.push(`attaches AWS-managed ${arn}, which reaches every cohort's data`);
        }
        // Customer-managed policies attached through the role's own managedPolicyArns.
        const attached = attachedPolicies(graph, node, ["managedPolicyArns"]);
        if (attached.length > 0 && node.cohort)
          reached.push({ cohort: node.cohort, what: describe(node) });
        for (const p of attached) reached.push(...reachOfPolicy(p));
      }
      if (problems.length > 0) {
        const who = node.cohort ? ` (cohort ${node.cohort})` : "";
        findings.push(
          finding(
            node,
            `${describe(node)}${who} ${problems.join("; ")}. Cohorts involved: ${cohortsReached(reached).join(", ") || "all"}. Fix: list the cohort's own ARNs explicitly (table ARN and its "/index/*", bucket ARN and "/*", key ARN).`,
          ),
        );
      }
      if (cohortsReached(reached).length > 1)
        findings.push(finding(node, crossingMessage(node, reached)));
    }
    for (const node of graph.ofType(...Object.keys(ATTACHMENTS))) {
      const { principalKeys, policyKeys } = ATTACHMENTS[node.type] ?? {
        principalKeys: [],
        policyKeys: [],
      };
      const broad = policyArnsOf(node, policyKeys).filter(isBroadManagedPolicy);
      if (broad.length > 0) {
        findings.push(
          finding(
            node,
            `${describe(node)} attaches AWS-managed ${broad.join(", ")}, which reaches every cohort's data. Cohorts involved: all. Fix: attach a policy that lists only the cohort's own ARNs.`,
          ),
        );
        continue;
      }
      // A managed policy is rarely cohort-tagged, so find it by dependency or by its ARN.
      const viaPolicy = attachedPolicies(graph, node, policyKeys);
      const reached = reachOf(
        graph,
        graph.reachedFrom(node, principalKeys),
        principalKeys.map((k) => node.props[k]),
      );
      for (const p of viaPolicy) reached.push(...reachOfPolicy(p));
      if (cohortsReached(reached).length > 1)
        findings.push(finding(node, crossingMessage(node, reached)));
    }
    return findings;
  },
);
