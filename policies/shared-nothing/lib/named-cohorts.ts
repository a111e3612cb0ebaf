import { cohortResourcePrefix } from "../../../components/identity.js";
import { stringsIn } from "./strings.js";
import { isUnknown } from "./unknowns.js";

/**
 * Cohorts named by literal physical names that follow the naming convention of
 * components/identity.ts (`svc-<environment>-<cohort>…`).
 *
 * Why: in the per-cohort topology, another cohort's table or role lives in another stack, so it
 * is not in the graph this stack's policies see and its cohort tag cannot be read. A literal ARN
 * or name that embeds another known cohort's prefix is the only trace left in this stack.
 * Cohort names may share prefixes (`pro`, `pro-eu`), so the longest known cohort wins.
 */
const WORD = /[A-Za-z0-9_]/;

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
    for (let at = s.indexOf(prefix); at >= 0; at = s.indexOf(prefix, at + 1)) {
      if (at > 0 && WORD.test(s.charAt(at - 1))) continue;
      const rest = s.slice(at + prefix.length);
      const cohort = longestFirst.find(
        (c) =>
          rest.startsWith(c) && (rest.length === c.length || !WORD.test(rest.charAt(c.length))),
      );
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
