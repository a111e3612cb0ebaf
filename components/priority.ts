/**
 * Listener rule priorities. A cohort's priority must never change because
 * another cohort was added or removed (a renumbering would rewrite every
 * cohort's rule at once: a fleet-wide change). So it is either explicit in the
 * environment, or derived from the cohort's own name and match only.
 *
 * Derived priorities are tiered by specificity, because the ALB evaluates the
 * lowest number first and the first matching rule wins:
 *   host+header rules            1000-9999
 *   wildcard host+header rules  10000-10999
 *   header-only rules           11000-19999
 *   host-only rules             21000-29999
 *   wildcard host-only rules    31000-39999
 * so a host-only catch-all can never shadow a more specific cohort, and a
 * wildcard host (`*.example.com`) never shadows a literal one (`api.example.com`)
 * with the same header condition. Explicit priorities outside those bands avoid
 * collisions with derived ones; validate.ts refuses any order in which one
 * cohort's rule would take requests another cohort's match declares.
 */
import { fnv1a32 } from "./hash.js";
import type { Match } from "./spec.js";

const BAND_WIDTH = 9000;
/** The wildcard host+header band sits between host+header and header-only rules. */
const WILDCARD_HEADER_BAND = { start: 10_000, width: 1000 };

function tier(match: Match): number {
  if (match.hosts !== undefined && match.header !== undefined) return 0;
  if (match.header !== undefined) return 1;
  return 2;
}

/** A host condition with an ALB wildcard (`*` or `?`) in any of its values. */
export function hasWildcardHost(match: Match): boolean {
  return (match.hosts ?? []).some((h) => h.includes("*") || h.includes("?"));
}

export function derivedPriority(cohortName: string, match: Match): number {
  const hash = fnv1a32(cohortName);
  if (hasWildcardHost(match)) {
    if (match.header !== undefined)
      return WILDCARD_HEADER_BAND.start + (hash % WILDCARD_HEADER_BAND.width);
    return 31_000 + (hash % BAND_WIDTH);
  }
  return 1000 + tier(match) * 10_000 + (hash % BAND_WIDTH);
}

export function cohortPriority(cohort: {
  name: string;
  match: Match;
  priority?: number | undefined;
}): number {
  return cohort.priority ?? derivedPriority(cohort.name, cohort.match);
}
