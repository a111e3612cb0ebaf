import { asRecord } from "./cohort-of.js";
import { cohortsOf, describe, type Graph, type Node } from "./graph.js";
import { hostCohort } from "./route-match.js";
import type { Finding } from "./rule.js";
import { T } from "./types.js";

/**
 * Cloudflare Load Balancing (providers.md 3.1 B, 3.3): pools and load balancers carry no tags,
 * so a pool's cohort is the cohort of the origins it addresses (a cohort's ALB or origin record,
 * found by value or by property dependency), and a load balancer's cohort is the one its
 * hostname names (`free.api.example.com`), if any. Pools are referenced by id, which the policy
 * API does not expose, so a load balancer's pools are found through its propertyDependencies.
 */
const FIX =
  "Fix: give each cohort its own pool of its own origins, and keep a cohort's default and fallback pools (and any failover) within that cohort.";

function finding(node: Node, message: string): Finding {
  return { urn: node.urn, name: node.name, message: `${message} ${FIX}` };
}

function poolCohorts(graph: Graph, pool: Node): string[] {
  return cohortsOf(graph.reachedFrom(pool, ["origins"]));
}

function poolsOf(graph: Graph, lb: Node, key: string): Node[] {
  return (lb.propDeps[key] ?? []).filter((n) => n.type === T.cfLoadBalancerPool);
}

export function cloudflareLoadBalancingFindings(
  graph: Graph,
  known: ReadonlySet<string>,
): Finding[] {
  const out: Finding[] = [];
  const cohortsOfPool = new Map<Node, string[]>();
  for (const pool of graph.ofType(T.cfLoadBalancerPool)) {
    const cohorts = poolCohorts(graph, pool);
    cohortsOfPool.set(pool, cohorts);
    if (cohorts.length > 1) {
      out.push(
        finding(
          pool,
          `${describe(pool)} mixes origins of cohorts ${cohorts.join(", ")}, so one cohort's traffic is balanced onto another's copy. Cohorts involved: ${cohorts.join(", ")}.`,
        ),
      );
    }
  }
  const of = (pools: Node[]) =>
    [...new Set(pools.flatMap((p) => cohortsOfPool.get(p) ?? []))].sort();
  for (const lb of graph.ofType(T.cfLoadBalancer)) {
    const name = lb.props["name"];
    const owner = typeof name === "string" ? hostCohort(name, known) : undefined;
    const defaults = of(poolsOf(graph, lb, "defaultPools"));
    const fallback = of(poolsOf(graph, lb, "fallbackPool"));
    const served = [...new Set([...defaults, ...fallback])].sort();
    const foreign = served.filter((c) => c !== owner);
    if (owner !== undefined && foreign.length > 0) {
      out.push(
        finding(
          lb,
          `${describe(lb)} serves cohort ${owner}'s hostname but its default or fallback pools hold cohort ${foreign.join(", ")}'s origins. Cohorts involved: ${[owner, ...foreign].join(", ")}.`,
        ),
      );
    } else if (owner === undefined && served.length > 0) {
      out.push(
        finding(
          lb,
          `${describe(lb)}'s default or fallback pools hold cohort ${served.join(", ")}'s origins, so requests that match no cohort rule (or fail over) land in a cohort. Cohorts involved: ${served.join(", ")}.`,
        ),
      );
    }
    const adaptive = asRecord(lb.props["adaptiveRouting"]);
    const everyPool = of([
      ...poolsOf(graph, lb, "defaultPools"),
      ...poolsOf(graph, lb, "fallbackPool"),
      ...poolsOf(graph, lb, "rules"),
    ]);
    if (adaptive?.["failoverAcrossPools"] === true && everyPool.length > 1) {
      out.push(
        finding(
          lb,
          `${describe(lb)} sets adaptiveRouting.failoverAcrossPools over pools of cohorts ${everyPool.join(", ")}, so a failing cohort's requests are retried on another cohort. Cohorts involved: ${everyPool.join(", ")}.`,
        ),
      );
    }
  }
  return out;
}
