import { cohortResourcePrefix } from "../../../components/identity.js";
import { namesIn } from "../../../components/naming.js";
import { stringsIn } from "./strings.js";
import { isUnknown } from "./unknowns.js";

/**
 * Cohorts named by literal physical names: how a cohort stack sees resources of other cohort
 * stacks. In the per-cohort topology, another cohort's table or role lives in another stack, so
 * it is not in the graph this stack's policies see and its cohort tag cannot be read. A literal
 * ARN or name is the only trace left in this stack.
 *
 * A name is read in two steps:
 * 1. A name the component gives (components/naming.ts NAME_RULES: `svc-<env>-<cohort>-<suffix>`
 *    with a suffix of its closed set, alarm, target group and load balancer names) has exactly
 *    one reading, so it names exactly its own cohort even when cohort names extend each other
 *    (`eu`'s task role `svc-prod-eu-task` is not cohort `eu-task`'s).
 * 2. Any other `svc-<env>-<cohort>…` name (hand-written programs following the convention, with
 *    suffixes of their own) is read by prefix: the longest known cohort whose prefix it
 *    starts with wins (`svc-prod-pro-eu-exports` with cohorts pro and pro-eu: pro-eu).
 */
const NAME_TOKEN = /[A-Za-z0-9_-]+/g;
/** Heads of the names the component gives (see NAME_RULES). */
const COMPONENT_NAME_HEAD = /^(?:svc|cohort|tg|lb)-/;
const WORD = /[A-Za-z0-9_]/;

function byConvention(
  token: string,
  prefix: string,
  longestFirst: readonly string[],
): string | undefined {
  if (!token.startsWith(prefix)) return undefined;
  const rest = token.slice(prefix.length);
  return longestFirst.find(
    (c) => rest.startsWith(c) && (rest.length === c.length || !WORD.test(rest.charAt(c.length))),
  );
}

export function cohortsNamedIn(
  value: unknown,
  environment: string,
  known: readonly string[],
): string[] {
  const prefix = cohortResourcePrefix(environment, "");
  const longestFirst = [...known].sort((a, b) => b.length - a.length);
  const found = new Set<string>();
  for (const s of stringsIn(value)) {
    if (isUnknown(s)) continue;
    for (const [token] of s.matchAll(NAME_TOKEN)) {
      if (!COMPONENT_NAME_HEAD.test(token)) continue;
      const exact = namesIn(token, environment, known);
      if (exact.length > 0) {
        for (const n of exact) found.add(n.cohort);
        continue;
      }
      const cohort = byConvention(token, prefix, longestFirst);
      if (cohort !== undefined) found.add(cohort);
    }
  }
  return [...found].sort();
}

/** The environment of a stack: `prod.free` -> `prod` (the convention of stacks/config). */
export function environmentOfUrn(urn: string | undefined): string | undefined {
  const stack = urn?.split("::")[0]?.split(":")[2];
  return stack === undefined || stack === "" ? undefined : (stack.split(".")[0] ?? stack);
}
