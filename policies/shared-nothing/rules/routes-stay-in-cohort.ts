import { asArray, asRecord, cohortOfNamespace, k8sMeta } from "../lib/cohort-of.js";
import type { RuleConfig } from "../lib/config.js";
import { cohortsOf, describe, type Graph, type Node } from "../lib/graph.js";
import {
  albRuleMatch,
  cloudflareExpressionMatch,
  httpRouteMatch,
  type CohortMatch,
} from "../lib/route-match.js";
import { cloudflareLoadBalancingFindings } from "../lib/cloudflare-load-balancing.js";
import { stackRule, type Finding } from "../lib/rule.js";
import { isUnknown } from "../lib/unknowns.js";
import {
  DNS_RECORD_TYPES,
  HTTP_ROUTE_TYPES,
  LISTENER_RULE_TYPES,
  LISTENER_TYPES,
  LOAD_BALANCER_TYPES,
  T,
  TARGET_GROUP_BINDING_TYPES,
  TARGET_GROUP_TYPES,
} from "../lib/types.js";

export const ROUTES_STAY_IN_COHORT = "routes-stay-in-cohort";

function f(node: Node, message: string): Finding {
  return { urn: node.urn, name: node.name, message };
}

/**
 * The common judgement for one routing rule: it selects `match` and sends traffic to
 * `targets` (cohorts of its backends). `owner` is the cohort that owns the whole entry point
 * (a dedicated ALB, a route in a cohort namespace), if any.
 */
function judge(
  node: Node,
  where: string,
  match: CohortMatch,
  targets: string[],
  owner: string | undefined,
  fixText: string,
): Finding[] {
  const out: Finding[] = [];
  const label = `${describe(node)}${where}`;
  const matched = [...match.cohorts].sort();
  if (match.broad.length > 0) {
    out.push(
      f(
        node,
        `${label} matches the cohort with a wildcard or pattern (${match.broad.join(", ")}), so any cohort's requests can reach ${targets.join(", ") || "its backend"}. Cohorts involved: ${[...new Set([...matched, ...targets])].join(", ") || "all"}. Fix: match one exact cohort value per rule.`,
      ),
    );
  }
  if (targets.length > 1) {
    out.push(
      f(
        node,
        `${label} forwards to backends of several cohorts (${targets.join(", ")}). Cohorts involved: ${targets.join(", ")}. ${fixText}`,
      ),
    );
    return out;
  }
  const [target] = targets;
  if (target === undefined) return out;
  if (matched.length > 1) {
    out.push(
      f(
        node,
        `${label} matches cohorts ${matched.join(", ")} and forwards them all to cohort ${target}'s backend. Cohorts involved: ${matched.join(", ")}. ${fixText}`,
      ),
    );
  } else if (matched.length === 1 && matched[0] !== target) {
    out.push(
      f(
        node,
        `${label} matches cohort ${matched[0] ?? ""} but forwards to cohort ${target}'s backend. Cohorts involved: ${matched[0] ?? ""}, ${target}. ${fixText}`,
      ),
    );
  } else if (matched.length === 0 && match.broad.length === 0 && owner !== target) {
    // (A wildcard match was reported above; it is not also a default route.)
    out.push(
      f(
        node,
        `${label} matches no cohort (a default or catch-all route) yet forwards to cohort ${target}'s backend. Cohorts involved: ${target}. Fix: the default route must answer with a fixed response; give each cohort a rule matching only its own cohort value.`,
      ),
    );
  }
  return out;
}

function loadBalancerCohort(graph: Graph, listener: Node | undefined): string | undefined {
  if (!listener) return undefined;
  const lbs = graph
    .reachedFrom(listener, ["loadBalancerArn"])
    .filter((n) => LOAD_BALANCER_TYPES.includes(n.type));
  return cohortsOf(lbs).length === 1 ? lbs[0]?.cohort : undefined;
}

function listenerOf(graph: Graph, rule: Node): Node | undefined {
  const byDep = (rule.propDeps["listenerArn"] ?? []).find((n) => LISTENER_TYPES.includes(n.type));
  return (
    byDep ??
    graph
      .ofType(...LISTENER_TYPES)
      .find((l) => l.props["arn"] !== undefined && l.props["arn"] === rule.props["listenerArn"])
  );
}

function albFindings(graph: Graph, cfg: RuleConfig, known: Set<string>): Finding[] {
  const out: Finding[] = [];
  const fixText = "Fix: forward each cohort's match only to that cohort's own target group.";
  const seen = new Map<string, Node>();
  for (const rule of graph.ofType(...LISTENER_RULE_TYPES)) {
    const match = albRuleMatch(rule.props["conditions"], cfg.cohortHeader, known);
    const targets = cohortsOf(graph.reachedFrom(rule, ["actions"]));
    const listener = listenerOf(graph, rule);
    out.push(...judge(rule, "", match, targets, loadBalancerCohort(graph, listener), fixText));
    // Which listener: by dependency (preview-safe), else its known ARN; an unknown ARN without a
    // dependency identifies nothing, so such a rule is never called a duplicate.
    const arn = rule.props["listenerArn"];
    const listenerId =
      listener?.urn ?? (typeof arn === "string" && !isUnknown(arn) ? arn : rule.urn);
    const key = `${listenerId}|${match.key}`;
    const earlier = seen.get(key);
    if (earlier && match.cohorts.size > 0) {
      out.push(
        f(
          rule,
          `${describe(rule)} repeats the match of ${describe(earlier)} on the same listener, so one of them silently wins. Cohorts involved: ${[...match.cohorts].join(", ")}. Fix: give each (host, cohort header) pair exactly one rule.`,
        ),
      );
    } else seen.set(key, rule);
  }
  for (const listener of graph.ofType(...LISTENER_TYPES)) {
    const targets = cohortsOf(graph.reachedFrom(listener, ["defaultActions"]));
    const owner = loadBalancerCohort(graph, listener);
    const foreign = targets.filter((t) => t !== owner);
    if (foreign.length > 0) {
      out.push(
        f(
          listener,
          `${describe(listener)}'s default action forwards to cohort ${foreign.join(", ")}'s target group, so unmatched requests land in that cohort. Cohorts involved: ${foreign.join(", ")}. Fix: make the default action a fixed-response (e.g. 404 "unknown cohort").`,
        ),
      );
    }
  }
  return out;
}

function httpRouteFindings(graph: Graph, cfg: RuleConfig, known: Set<string>): Finding[] {
  const out: Finding[] = [];
  const fixText =
    "Fix: keep each cohort's HTTPRoute in its own namespace, matching only its own cohort value, with backendRefs in that namespace.";
  const seen = new Map<string, Node>();
  for (const route of graph.ofType(...HTTP_ROUTE_TYPES)) {
    const spec = asRecord(route.props["spec"]) ?? {};
    const routeNs = k8sMeta(route.props).namespace;
    const owner = cohortOfNamespace(routeNs) ?? route.cohort;
    // A route attached only to gateways in its own cohort's namespace rides that cohort's
    // dedicated ingress: like a dedicated ALB, its catch-all may forward to the cohort.
    const parents = asArray(spec["parentRefs"]).map((p) => {
      const ns = asRecord(p)?.["namespace"];
      return cohortOfNamespace(typeof ns === "string" ? ns : routeNs);
    });
    const gatewayOwner =
      owner !== undefined && parents.length > 0 && parents.every((c) => c === owner)
        ? owner
        : undefined;
    asArray(spec["rules"]).forEach((r, i) => {
      const rule = asRecord(r) ?? {};
      const match = httpRouteMatch(rule["matches"], spec["hostnames"], cfg.cohortHeader, known);
      const backendNamespaces = asArray(rule["backendRefs"]).map((b) => {
        const ns = asRecord(b)?.["namespace"];
        return typeof ns === "string" ? ns : routeNs;
      });
      const targets = [
        ...new Set(backendNamespaces.flatMap((ns) => cohortOfNamespace(ns) ?? [])),
      ].sort();
      const crossing = targets.filter((t) => owner !== undefined && t !== owner);
      if (crossing.length > 0) {
        out.push(
          f(
            route,
            `${describe(route)} (namespace ${routeNs ?? "?"}, cohort ${owner ?? "?"}) rule #${i} sends traffic to backends in namespace cohort-${crossing.join(", cohort-")}. Cohorts involved: ${[owner, ...crossing].join(", ")}. ${fixText}`,
          ),
        );
        return;
      }
      out.push(...judge(route, ` rule #${i}`, match, targets, gatewayOwner, fixText));
      const key = `${match.key}`;
      const earlier = seen.get(key);
      if (earlier && earlier !== route && match.cohorts.size > 0) {
        out.push(
          f(
            route,
            `${describe(route)} repeats the (hostname, cohort header) match of ${describe(earlier)}; Gateway API silently picks one. Cohorts involved: ${[...match.cohorts].join(", ")}. Fix: one route per (hostname, cohort).`,
          ),
        );
      } else seen.set(key, route);
    });
  }
  return out;
}

/**
 * TargetGroupBindings: the controller registers the pods of a Service of the binding's own
 * namespace in the target group it names. A binding in one cohort's namespace naming another
 * cohort's target group (or placed in another cohort's namespace) sends that cohort's ALB
 * traffic to the wrong pods; two bindings of one target group mix two Services' pods in it.
 */
function targetGroupBindingFindings(graph: Graph): Finding[] {
  const out: Finding[] = [];
  const boundBy = new Map<Node, Node>();
  for (const binding of graph.ofType(...TARGET_GROUP_BINDING_TYPES)) {
    const ns = k8sMeta(binding.props).namespace;
    const owner = cohortOfNamespace(ns) ?? binding.cohort;
    const service = asRecord(asRecord(binding.props["spec"])?.["serviceRef"])?.["name"];
    const groups = graph
      .reachedFrom(binding, ["spec"])
      .filter((n) => TARGET_GROUP_TYPES.includes(n.type));
    const foreign = cohortsOf(groups).filter((c) => c !== owner);
    if (foreign.length > 0) {
      out.push(
        f(
          binding,
          `${describe(binding)} (namespace ${ns ?? "?"}, cohort ${owner ?? "?"}) registers Service "${String(service)}" in cohort ${foreign.join(", ")}'s target group, so that cohort's load balancer traffic reaches these pods. Cohorts involved: ${[owner ?? "?", ...foreign].join(", ")}. Fix: bind each cohort's Service, in its own namespace, only to that cohort's own target group.`,
        ),
      );
    }
    for (const group of groups) {
      const earlier = boundBy.get(group);
      if (earlier !== undefined) {
        out.push(
          f(
            binding,
            `${describe(binding)} binds ${describe(group)}, which ${describe(earlier)} binds too: the target group serves both Services' pods. Cohorts involved: ${cohortsOf([group, earlier, binding]).join(", ")}. Fix: one TargetGroupBinding per target group, one target group per cohort.`,
          ),
        );
      } else boundBy.set(group, binding);
    }
  }
  return out;
}

function cloudflareFindings(graph: Graph, cfg: RuleConfig, known: Set<string>): Finding[] {
  const out: Finding[] = [];
  const fixText =
    "Fix: point each cohort's rule at that cohort's own origin (host, Host header and SNI).";
  for (const ruleset of graph.ofType(T.cfRuleset)) {
    asArray(ruleset.props["rules"]).forEach((r, i) => {
      const rule = asRecord(r) ?? {};
      if (rule["enabled"] === false) return;
      const params = asRecord(rule["actionParameters"]) ?? {};
      const targetValues = [
        asRecord(params["origin"])?.["host"],
        params["hostHeader"],
        asRecord(params["sni"])?.["value"],
      ];
      const targets = cohortsOf(graph.referencedIn(targetValues, ruleset));
      const ref = typeof rule["ref"] === "string" ? ` rule "${rule["ref"]}"` : ` rule #${i}`;
      const match = cloudflareExpressionMatch(
        rule["expression"],
        cfg.cohortHeader,
        cfg.cohortTagKey,
        known,
      );
      out.push(...judge(ruleset, ref, match, targets, undefined, fixText));
    });
  }
  for (const record of graph.ofType(...DNS_RECORD_TYPES)) {
    const own = record.cohort;
    const reached = graph.reachedFrom(record, ["content"]).filter((n) => n.cohort !== own);
    const name = record.props["name"];
    const label = typeof name === "string" ? name.split(".")[0] : undefined;
    const named = label !== undefined && known.has(label) && label !== own ? label : undefined;
    if (own !== undefined && reached.length > 0) {
      out.push(
        f(
          record,
          `${describe(record)} (cohort ${own}) points at ${reached.map(describe).join(", ")} of cohort ${cohortsOf(reached).join(", ")}. Cohorts involved: ${[own, ...cohortsOf(reached)].join(", ")}. Fix: point a cohort's hostname at that cohort's own load balancer.`,
        ),
      );
    } else if (own !== undefined && named !== undefined) {
      out.push(
        f(
          record,
          `${describe(record)} is tagged cohort ${own} but its hostname "${String(name)}" names cohort ${named}. Cohorts involved: ${own}, ${named}. Fix: tag the record with the cohort its hostname serves.`,
        ),
      );
    }
  }
  return out;
}

export const routesStayInCohort = stackRule(
  {
    name: ROUTES_STAY_IN_COHORT,
    description:
      "No route (ALB aws:lb/aws:alb listener rules and default actions, Gateway API HTTPRoutes, TargetGroupBindings, Cloudflare rulesets, DNS records and load balancer pools) forwards one cohort's match to another cohort's backend; no default route forwards to a cohort.",
  },
  (graph, cfg) => {
    const known = new Set([...graph.cohorts(), ...(cfg.cohorts ?? [])]);
    return [
      ...albFindings(graph, cfg, known),
      ...httpRouteFindings(graph, cfg, known),
      ...targetGroupBindingFindings(graph),
      ...cloudflareFindings(graph, cfg, known),
      ...cloudflareLoadBalancingFindings(graph, known),
    ];
  },
);
