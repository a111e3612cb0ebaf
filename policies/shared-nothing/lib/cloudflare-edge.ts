import { asArray, asRecord } from "./cohort-of.js";
import { cohortsOf, describe, stringsIn, type Graph, type Node } from "./graph.js";
import { cloudflareExpressionMatch, hostCohort } from "./route-match.js";
import type { Finding } from "./rule.js";
import { isUnknown } from "./unknowns.js";
import { DNS_RECORD_TYPES, T } from "./types.js";

/**
 * Cloudflare edge checks beyond routes-stay-in-cohort (providers.md 3.3):
 * - every pool reference of a load balancer that is not its default or fallback pool (region,
 *   PoP and country pools, and rules' overrides) stays within the hostname's cohort, and on a
 *   hostname of no cohort, each rule overrides only to pools of the cohorts its own condition
 *   selects (judged per rule where the stack reveals the pools' ids; else the rules together);
 * - a cohort's DNS record is proxied (an unproxied record publishes the origin, which any
 *   client can then reach with any cohort it likes);
 * - one Ruleset per zone and phase (a second owner collides or drifts);
 * - Worker routes: no two routes of a zone claim overlapping patterns;
 * - Worker route entries (KV `cohort:<name>` keys): an entry names its own cohort's origin only.
 * Pools are referenced by id, which the policy API does not expose, so pool references are
 * found through property dependencies (as in cloudflare-load-balancing.ts).
 */
export const CF_WORKERS_ROUTE = "cloudflare:index/workersRoute:WorkersRoute";
export const CF_WORKERS_KV = "cloudflare:index/workersKv:WorkersKv";

function f(node: Node, message: string): Finding {
  return { urn: node.urn, name: node.name, message };
}

function poolCohorts(graph: Graph, pools: readonly Node[]): string[] {
  return cohortsOf(pools.flatMap((p) => graph.reachedFrom(p, ["origins"])));
}

function poolsAt(lb: Node, key: string): Node[] {
  return (lb.propDeps[key] ?? []).filter((n) => n.type === T.cfLoadBalancerPool);
}

const STEERING_KEYS = ["regionPools", "popPools", "countryPools"];
/** The keys of a load balancer, or of a rule's overrides, that hold pool ids. */
const POOL_KEYS = ["defaultPools", "fallbackPool", ...STEERING_KEYS];

/**
 * The pool each pool id stands for, where the stack reveals it: a pool's own `id` output (when
 * the engine passes it), or a load balancer key that depends on exactly one pool and holds
 * exactly one id (e.g. a cohort load balancer's `fallbackPool`). An id seen for two pools is
 * dropped: attributing it either way could be wrong.
 */
function poolIds(graph: Graph): Map<string, Node> {
  const ids = new Map<string, Node>();
  const conflicting = new Set<string>();
  const learn = (id: string, pool: Node) => {
    const known = ids.get(id);
    if (known !== undefined && known !== pool) conflicting.add(id);
    else ids.set(id, pool);
  };
  for (const pool of graph.ofType(T.cfLoadBalancerPool)) {
    const id = pool.props["id"];
    if (typeof id === "string" && id !== "" && !isUnknown(id)) learn(id, pool);
  }
  for (const lb of graph.ofType(T.cfLoadBalancer)) {
    for (const key of POOL_KEYS) {
      const pools = poolsAt(lb, key);
      const values = [...new Set(stringsIn(lb.props[key]))].filter((v) => !isUnknown(v));
      const [pool] = pools;
      const [id] = values;
      if (pools.length === 1 && values.length === 1 && pool !== undefined && id !== undefined) {
        learn(id, pool);
      }
    }
  }
  for (const id of conflicting) ids.delete(id);
  return ids;
}

/**
 * Per rule of a shared hostname's load balancer: each override pool whose id is attributable
 * and holds a cohort the rule's own condition does not select. `complete` is false when some
 * override id could not be attributed (unknown at preview, or not revealed by the stack).
 */
function ruleOverrideFindings(
  graph: Graph,
  lb: Node,
  ids: ReadonlyMap<string, Node>,
  header: string,
  tagKey: string,
  known: ReadonlySet<string>,
): { wrong: string[]; cohorts: string[]; complete: boolean } {
  const wrong: string[] = [];
  const cohorts = new Set<string>();
  let complete = true;
  asArray(lb.props["rules"]).forEach((r, index) => {
    const rule = asRecord(r) ?? {};
    if (rule["disabled"] === true) return;
    const overrides = asRecord(rule["overrides"]) ?? {};
    const selected = cloudflareExpressionMatch(rule["condition"], header, tagKey, known).cohorts;
    const label = typeof rule["name"] === "string" ? `"${rule["name"]}"` : `#${index}`;
    for (const value of POOL_KEYS.flatMap((k) => stringsIn(overrides[k]))) {
      const pool = isUnknown(value) ? undefined : ids.get(value);
      if (pool === undefined) {
        complete = false;
        continue;
      }
      for (const c of poolCohorts(graph, [pool]).filter((c) => !selected.has(c))) {
        cohorts.add(c);
        for (const s of selected) cohorts.add(s);
        const selects =
          selected.size > 0 ? `cohort ${[...selected].sort().join(", ")}` : "no cohort";
        wrong.push(
          `rule ${label} (its condition selects ${selects}) overrides to ${describe(pool)} holding cohort ${c}'s origins`,
        );
      }
    }
  });
  return { wrong: [...new Set(wrong)], cohorts: [...cohorts].sort(), complete };
}
const LB_FIX =
  "Fix: on a cohort's hostname use only that cohort's pools everywhere (region, PoP, country and rule overrides); on a shared hostname keep steering pools free of cohort origins and let each rule override only to the pools of the cohort its condition selects.";

function loadBalancerFindings(
  graph: Graph,
  known: ReadonlySet<string>,
  header: string,
  tagKey: string,
): Finding[] {
  const out: Finding[] = [];
  const ids = poolIds(graph);
  for (const lb of graph.ofType(T.cfLoadBalancer)) {
    const name = lb.props["name"];
    const owner =
      typeof name === "string" && !isUnknown(name) ? hostCohort(name, known) : undefined;
    const steering = poolCohorts(
      graph,
      STEERING_KEYS.flatMap((k) => poolsAt(lb, k)),
    );
    const overrides = poolCohorts(graph, poolsAt(lb, "rules"));
    if (owner !== undefined) {
      const foreign = [...new Set([...steering, ...overrides])].filter((c) => c !== owner).sort();
      if (foreign.length > 0) {
        out.push(
          f(
            lb,
            `${describe(lb)} serves cohort ${owner}'s hostname but its region, PoP, country or rule-override pools hold cohort ${foreign.join(", ")}'s origins. Cohorts involved: ${[owner, ...foreign].join(", ")}. ${LB_FIX}`,
          ),
        );
      }
      continue;
    }
    if (steering.length > 0) {
      out.push(
        f(
          lb,
          `${describe(lb)}'s region, PoP or country pools hold cohort ${steering.join(", ")}'s origins, so requests of any cohort from those places land in that cohort. Cohorts involved: ${steering.join(", ")}. ${LB_FIX}`,
        ),
      );
    }
    // Each rule judged on its own where its override pools are attributable ...
    const perRule = ruleOverrideFindings(graph, lb, ids, header, tagKey, known);
    if (perRule.wrong.length > 0) {
      out.push(
        f(
          lb,
          `${describe(lb)}: ${perRule.wrong.join("; ")}, so one cohort's requests are sent to another cohort's origins. Cohorts involved: ${perRule.cohorts.join(", ")}. ${LB_FIX}`,
        ),
      );
      continue;
    }
    if (perRule.complete) continue;
    // ... and otherwise (ids unknown at preview) the rules together: no override to a cohort
    // that no rule selects.
    const selected = new Set<string>();
    for (const r of asArray(lb.props["rules"])) {
      const rule = asRecord(r) ?? {};
      if (rule["disabled"] === true) continue;
      for (const c of cloudflareExpressionMatch(rule["condition"], header, tagKey, known).cohorts)
        selected.add(c);
    }
    const unselected = overrides.filter((c) => !selected.has(c));
    if (unselected.length > 0) {
      out.push(
        f(
          lb,
          `${describe(lb)}'s rules override to pools of cohort ${unselected.join(", ")} although no rule condition selects ${unselected.length === 1 ? "that cohort" : "those cohorts"}, so other cohorts' requests are sent there. Cohorts involved: ${unselected.join(", ")}. ${LB_FIX}`,
        ),
      );
    }
  }
  return out;
}

function dnsFindings(graph: Graph): Finding[] {
  return graph
    .ofType(...DNS_RECORD_TYPES)
    .filter((r) => r.cohort !== undefined && r.props["proxied"] === false)
    .map((r) =>
      f(
        r,
        `${describe(r)} (cohort ${r.cohort ?? ""}) is not proxied, so it publishes the cohort's origin and clients reach it around the edge's cohort routing. Cohorts involved: ${r.cohort ?? ""}. Fix: set proxied: true and admit only Cloudflare's ranges at the origin.`,
      ),
    );
}

function rulesetFindings(graph: Graph): Finding[] {
  const out: Finding[] = [];
  const first = new Map<string, Node>();
  // By name, so which one is called the second does not depend on registration order.
  const rulesets = graph.ofType(T.cfRuleset).sort((a, b) => a.name.localeCompare(b.name));
  for (const rs of rulesets) {
    const zone = rs.props["zoneId"] ?? rs.props["accountId"];
    const phase = rs.props["phase"];
    if (
      typeof zone !== "string" ||
      typeof phase !== "string" ||
      isUnknown(zone) ||
      isUnknown(phase)
    )
      continue;
    if (rs.props["kind"] === "custom") continue; // custom rulesets are not entry points
    const key = `${zone}/${phase}`;
    const earlier = first.get(key);
    if (earlier === undefined) {
      first.set(key, rs);
      continue;
    }
    const cohorts = cohortsOf(
      graph.reachedFrom(rs, ["rules"]).concat(graph.reachedFrom(earlier, ["rules"])),
    );
    out.push(
      f(
        rs,
        `${describe(rs)} is a second ${phase} Ruleset for zone ${zone} (the first is ${describe(earlier)}); a zone has one entry point per phase, so the two owners collide or silently overwrite each other's cohort rules. Cohorts involved: ${cohorts.join(", ") || "all"}. Fix: keep every cohort's rule in one Ruleset per zone and phase, owned by the edge stack.`,
      ),
    );
  }
  return out;
}

/** Worker route pattern `host/path*` as a regular expression (only `*` is a wildcard). */
function patternRegex(pattern: string): RegExp {
  const source = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*");
  return new RegExp(`^${source}$`);
}

/** Two patterns overlap when some URL matches both; tested on each pattern's own shape. */
function overlaps(a: string, b: string): boolean {
  const sample = (p: string) => p.replaceAll("*", "x");
  return a === b || patternRegex(a).test(sample(b)) || patternRegex(b).test(sample(a));
}

function workerRouteFindings(graph: Graph): Finding[] {
  const out: Finding[] = [];
  const routes = graph
    .ofType(CF_WORKERS_ROUTE)
    .filter((r) => typeof r.props["pattern"] === "string" && !isUnknown(r.props["pattern"]));
  routes.forEach((route, i) => {
    for (const earlier of routes.slice(0, i)) {
      if (route.props["zoneId"] !== earlier.props["zoneId"]) continue;
      const [a, b] = [String(earlier.props["pattern"]), String(route.props["pattern"])];
      if (!overlaps(a, b)) continue;
      out.push(
        f(
          route,
          `${describe(route)}'s pattern "${b}" overlaps ${describe(earlier)}'s "${a}" in the same zone; the most specific pattern wins, so one script silently takes requests the other routes by cohort. Cohorts involved: all. Fix: one Worker route per hostname, owned by the edge stack.`,
        ),
      );
    }
  });
  return out;
}

/** The cohort a route entry is filed for: its metadata's cohort, else its `cohort:<name>` key. */
function entryCohort(node: Node, known: ReadonlySet<string>): string | undefined {
  const metadata = node.props["metadata"];
  if (typeof metadata === "string" && !isUnknown(metadata)) {
    try {
      const cohort = asRecord(JSON.parse(metadata) as unknown)?.["cohort"];
      if (typeof cohort === "string") return cohort;
    } catch {
      // not JSON: fall back to the key
    }
  }
  const key = node.props["keyName"];
  const name = typeof key === "string" && key.startsWith("cohort:") ? key.slice(7) : undefined;
  return name !== undefined && known.has(name) ? name : undefined;
}

function routeEntryFindings(graph: Graph, known: ReadonlySet<string>): Finding[] {
  const out: Finding[] = [];
  for (const entry of graph.ofType(CF_WORKERS_KV)) {
    const own = entryCohort(entry, known);
    if (own === undefined) continue;
    const value = entry.props["value"];
    const byRecord = cohortsOf(graph.reachedFrom(entry, ["value"]));
    let byHost: string[] = [];
    if (typeof value === "string" && !isUnknown(value)) {
      try {
        const origin = asRecord(JSON.parse(value) as unknown)?.["origin"];
        const host = typeof origin === "string" ? URL.parse(origin)?.hostname : undefined;
        const c = host !== undefined ? hostCohort(host, known) : undefined;
        byHost = c !== undefined ? [c] : [];
      } catch {
        // not JSON: judged by the records it names
      }
    }
    const foreign = [...new Set([...byRecord, ...byHost])].filter((c) => c !== own).sort();
    if (foreign.length > 0) {
      out.push(
        f(
          entry,
          `${describe(entry)} is cohort ${own}'s route entry but sends its requests to cohort ${foreign.join(", ")}'s origin. Cohorts involved: ${[own, ...foreign].join(", ")}. Fix: a cohort's route entry names that cohort's own hostname only.`,
        ),
      );
    }
  }
  return out;
}

export function cloudflareEdgeFindings(
  graph: Graph,
  known: ReadonlySet<string>,
  header: string,
  tagKey: string,
): Finding[] {
  return [
    ...loadBalancerFindings(graph, known, header, tagKey),
    ...dnsFindings(graph),
    ...rulesetFindings(graph),
    ...workerRouteFindings(graph),
    ...routeEntryFindings(graph, known),
  ];
}
