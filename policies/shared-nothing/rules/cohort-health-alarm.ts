import { containsToken } from "../lib/arn-match.js";
import { asArray, asRecord } from "../lib/cohort-of.js";
import type { RuleConfig } from "../lib/config.js";
import { cohortsOf, describe, stringsIn, type Graph, type Node } from "../lib/graph.js";
import { stackRule, type Finding } from "../lib/rule.js";
import { COMPUTE_TYPES, T } from "../lib/types.js";

export const COHORT_HEALTH_ALARM = "cohort-health-alarm";

function dimensionMaps(alarm: Node): Record<string, unknown>[] {
  const top = asRecord(alarm.props["dimensions"]);
  const fromQueries = asArray(alarm.props["metricQueries"]).flatMap((q) => {
    const dims = asRecord(asRecord(asRecord(q)?.["metric"])?.["dimensions"]);
    return dims ? [dims] : [];
  });
  return [...(top ? [top] : []), ...fromQueries];
}

/** Dimensions that name a cohort directly: Container Insights `Namespace=cohort-<c>` or a cohort dimension. */
function namesCohort(dims: Record<string, unknown>[], cohort: string, cfg: RuleConfig): boolean {
  return dims.some((d) =>
    Object.entries(d).some(
      ([k, v]) =>
        (k === "Namespace" && v === `cohort-${cohort}`) ||
        (k.toLowerCase() === cfg.cohortTagKey.toLowerCase() && v === cohort),
    ),
  );
}

interface AlarmView {
  node: Node;
  foreign: Node[];
  wired: boolean;
  problems: string[];
}

function viewMetricAlarm(graph: Graph, alarm: Node, cfg: RuleConfig): AlarmView {
  const own = alarm.cohort;
  const dims = dimensionMaps(alarm);
  const reached = graph.reachedFrom(alarm, ["dimensions", "metricQueries"]);
  const foreign = reached.filter((r) => r.cohort !== own);
  const problems: string[] = [];
  if (dims.some((d) => "TargetGroup" in d && !("LoadBalancer" in d))) {
    problems.push("has a TargetGroup dimension without LoadBalancer, so it never receives data");
  }
  const ownRefs = reached.filter((r) => r.cohort === own);
  const wired =
    own !== undefined &&
    foreign.length === 0 &&
    problems.length === 0 &&
    (ownRefs.length > 0 || namesCohort(dims, own, cfg));
  return { node: alarm, foreign, wired, problems };
}

export const cohortHealthAlarm = stackRule(
  {
    name: COHORT_HEALTH_ALARM,
    description:
      "Every cohort that runs compute has at least one CloudWatch alarm marked with its cohort and wired to its own metrics (no alarm watches another cohort's resources; no TargetGroup without LoadBalancer).",
  },
  (graph, cfg) => {
    const findings: Finding[] = [];
    const metric = graph.ofType(T.metricAlarm).map((a) => viewMetricAlarm(graph, a, cfg));
    for (const v of metric) {
      if (v.foreign.length > 0) {
        findings.push({
          urn: v.node.urn,
          name: v.node.name,
          message: `${describe(v.node)} (cohort ${v.node.cohort ?? "none"}) watches ${v.foreign.map(describe).join(", ")} of cohort ${cohortsOf(v.foreign).join(", ")}. Cohorts involved: ${[...new Set([v.node.cohort ?? "none", ...cohortsOf(v.foreign)])].join(", ")}. Fix: alarm each cohort on its own target group / function / namespace and tag it with that cohort.`,
        });
      }
      if (v.problems.length > 0) {
        findings.push({
          urn: v.node.urn,
          name: v.node.name,
          message: `${describe(v.node)} (cohort ${v.node.cohort ?? "none"}) ${v.problems.join("; ")}. Cohorts involved: ${v.node.cohort ?? "none"}. Fix: set dimensions { TargetGroup: tg.arnSuffix, LoadBalancer: alb.arnSuffix }.`,
        });
      }
    }
    const wiredNames = (cohort: string): string[] =>
      metric
        .filter((v) => v.wired && v.node.cohort === cohort)
        .flatMap((v) => stringsIn([v.node.props["name"], v.node.props["alarmName"]]));
    const wired = new Set(
      metric.filter((v) => v.wired).flatMap((v) => (v.node.cohort ? [v.node.cohort] : [])),
    );
    for (const composite of graph.ofType(T.compositeAlarm)) {
      const c = composite.cohort;
      const rule = composite.props["alarmRule"];
      if (c && typeof rule === "string" && wiredNames(c).some((n) => containsToken(rule, n)))
        wired.add(c);
    }
    const computeByCohort = new Map<string, Node>();
    for (const node of graph.ofType(...COMPUTE_TYPES)) {
      if (node.cohort && !computeByCohort.has(node.cohort)) computeByCohort.set(node.cohort, node);
    }
    for (const [cohort, node] of computeByCohort) {
      if (wired.has(cohort)) continue;
      findings.push({
        urn: node.urn,
        name: node.name,
        message: `Cohort ${cohort} runs ${describe(node)} but has no health alarm tagged with its cohort and wired to its own metrics, so a rollout to it cannot be gated. Cohorts involved: ${cohort}. Fix: add CloudWatch alarms tagged ${cfg.cohortTagKey}=${cohort} on the cohort's own target group / function / namespace metrics.`,
      });
    }
    return findings;
  },
);
