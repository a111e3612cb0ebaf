/**
 * Listener rule priorities. A cohort's priority must never change because
 * another cohort was added or removed (a renumbering would rewrite every
 * cohort's rule at once: a fleet-wide change). So it is either explicit in the
 * environment, or derived from the cohort's own name and match only.
 *
 * Derived priorities are tiered by specificity, because the ALB evaluates the
 * lowest number first: host+header rules (1000-9999) come before header-only
 * rules (11000-19999), which come before host-only rules (21000-29999), so a
 * host-only catch-all can never shadow a more specific cohort. Explicit
 * priorities outside those bands avoid collisions with derived ones.
 */
import { fnv1a32 } from "./hash.js";
import type { Match } from "./spec.js";

const BAND_WIDTH = 9000;

function tier(match: Match): number {
  if (match.hosts !== undefined && match.header !== undefined) return 0;
  if (match.header !== undefined) return 1;
  return 2;
}

export function derivedPriority(cohortName: string, match: Match): number {
  return 1000 + tier(match) * 10_000 + (fnv1a32(cohortName) % BAND_WIDTH);
}

export function cohortPriority(cohort: {
  name: string;
  match: Match;
  priority?: number | undefined;
}): number {
  return cohort.priority ?? derivedPriority(cohort.name, cohort.match);
}
