import { hasWildcard } from "./arn-match.js";
import { asArray, asRecord } from "./cohort-of.js";
import { isUnknown } from "./unknowns.js";

/** What a routing rule matches on, as far as cohorts are concerned. */
export interface CohortMatch {
  /** Cohorts selected by the cohort header or a `<cohort>.` hostname. */
  cohorts: Set<string>;
  /** A `*`/regex/`contains` match on the cohort header: any cohort can ride it. */
  broad: string[];
  /** Stable key of the match, to find two rules claiming the same traffic. */
  key: string;
}

export function hostCohort(host: string, known: ReadonlySet<string>): string | undefined {
  const label = host.split(".")[0] ?? "";
  return known.has(label) ? label : undefined;
}

/** `/free/…` or `/free`: a first path segment that is exactly a known cohort's name. */
function pathCohort(path: string, known: ReadonlySet<string>): string | undefined {
  const segment = /^\/([^/*?]+)(?:\/|$)/.exec(path)?.[1];
  return segment !== undefined && known.has(segment) ? segment : undefined;
}

/** ALB listener rule conditions (aws:lb / aws:alb ListenerRule). */
export function albRuleMatch(
  conditions: unknown,
  header: string,
  known: ReadonlySet<string>,
): CohortMatch {
  const cohorts = new Set<string>();
  const broad: string[] = [];
  const parts: string[] = [];
  for (const c of asArray(conditions)) {
    const cond = asRecord(c) ?? {};
    const hdr = asRecord(cond["httpHeader"]);
    if (hdr && String(hdr["httpHeaderName"]).toLowerCase() === header.toLowerCase()) {
      for (const v of asArray(hdr["values"])) {
        if (typeof v !== "string" || isUnknown(v)) continue;
        if (hasWildcard(v)) broad.push(`header ${header} = "${v}"`);
        else cohorts.add(v);
      }
      if (asArray(hdr["regexValues"]).length > 0) broad.push(`header ${header} regex`);
    }
    for (const p of asArray(asRecord(cond["pathPattern"])?.["values"])) {
      const c2 = typeof p === "string" && !isUnknown(p) ? pathCohort(p, known) : undefined;
      if (c2) cohorts.add(c2);
    }
    const host = asRecord(cond["hostHeader"]);
    for (const h of asArray(host?.["values"])) {
      if (typeof h !== "string" || isUnknown(h)) continue;
      const c2 = hostCohort(h, known);
      if (c2) cohorts.add(c2);
    }
    parts.push(JSON.stringify(cond));
  }
  return { cohorts, broad, key: parts.sort().join("&") };
}

/** Gateway API HTTPRoute rule `matches` plus the route's hostnames. */
export function httpRouteMatch(
  matches: unknown,
  hostnames: unknown,
  header: string,
  known: ReadonlySet<string>,
): CohortMatch {
  const cohorts = new Set<string>();
  const broad: string[] = [];
  const parts: string[] = [];
  for (const m of asArray(matches)) {
    const path = asRecord(asRecord(m)?.["path"])?.["value"];
    if (typeof path === "string" && !isUnknown(path)) {
      const c = pathCohort(path, known);
      if (c) cohorts.add(c);
      parts.push(path);
    }
    for (const h of asArray(asRecord(m)?.["headers"])) {
      const hm = asRecord(h) ?? {};
      if (String(hm["name"]).toLowerCase() !== header.toLowerCase()) continue;
      const value = hm["value"];
      if (typeof value !== "string" || isUnknown(value)) continue;
      if (hm["type"] === "RegularExpression") broad.push(`header ${header} regex "${value}"`);
      else cohorts.add(value);
      parts.push(value);
    }
  }
  for (const h of asArray(hostnames)) {
    if (typeof h === "string") {
      const c = hostCohort(h, known);
      if (c) cohorts.add(c);
      parts.push(h);
    }
  }
  return { cohorts, broad, key: parts.sort().join("&") };
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Cloudflare rules-language expression. */
export function cloudflareExpressionMatch(
  expression: unknown,
  header: string,
  tagKey: string,
  known: ReadonlySet<string>,
): CohortMatch {
  const cohorts = new Set<string>();
  const broad: string[] = [];
  if (typeof expression !== "string" || isUnknown(expression)) return { cohorts, broad, key: "" };
  const raw = `(?:http\\.request\\.headers\\["${escapeRegex(header.toLowerCase())}"\\]|http\\.request\\.cookies\\["${escapeRegex(tagKey)}"\\])\\[(?:0|\\*)\\]`;
  // `lower(field)` / `upper(field)` normalise the value; the comparison still selects one cohort.
  const field = `(?:(?:lower|upper)\\(\\s*${raw}\\s*\\)|${raw})`;
  for (const m of expression.matchAll(new RegExp(`${field}\\s*(?:eq|==)\\s*"([^"]*)"`, "g"))) {
    if (m[1] !== undefined) cohorts.add(m[1]);
  }
  for (const m of expression.matchAll(new RegExp(`${field}\\s*in\\s*\\{([^}]*)\\}`, "g"))) {
    for (const v of (m[1] ?? "").matchAll(/"([^"]*)"/g)) if (v[1] !== undefined) cohorts.add(v[1]);
  }
  const loose = new RegExp(`${field}\\s*(?:matches|contains|wildcard|strict wildcard|ne|!=)`, "g");
  for (const m of expression.matchAll(loose)) broad.push(m[0]);
  for (const m of expression.matchAll(/http\.host\s*(?:eq|==)\s*"([^"]+)"/g)) {
    const c = m[1] ? hostCohort(m[1], known) : undefined;
    if (c) cohorts.add(c);
  }
  for (const m of expression.matchAll(/http\.host\s+in\s*\{([^}]*)\}/g)) {
    for (const v of (m[1] ?? "").matchAll(/"([^"]+)"/g)) {
      const c = v[1] ? hostCohort(v[1], known) : undefined;
      if (c) cohorts.add(c);
    }
  }
  // A `/<cohort>/` first path segment, as for ALB and HTTPRoute path matches.
  const pathField = String.raw`(?:lower\(\s*)?http\.request\.uri\.path\s*\)?`;
  const pathMatches = [
    new RegExp(String.raw`starts_with\(\s*${pathField}\s*,\s*"([^"]+)"\s*\)`, "g"),
    new RegExp(String.raw`${pathField}\s*(?:eq|==)\s*"([^"]+)"`, "g"),
  ];
  for (const re of pathMatches) {
    for (const m of expression.matchAll(re)) {
      const c = m[1] ? pathCohort(m[1], known) : undefined;
      if (c) cohorts.add(c);
    }
  }
  return { cohorts, broad, key: expression.replace(/\s+/g, " ").trim() };
}
