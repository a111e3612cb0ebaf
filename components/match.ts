/** Comparing cohorts' matches, for the core's and the platforms' cross-cohort rules. */
import type { CohortSpec } from "./spec.js";

/** Host matching as the ingress does it: case-insensitive, `*` any run of characters, `?` one. */
export function hostCovers(pattern: string, host: string): boolean {
  const source = pattern
    .toLowerCase()
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replaceAll("*", ".*")
    .replaceAll("?", ".");
  return new RegExp(`^${source}$`).test(host.toLowerCase());
}

/** Two cohorts with the same key would take each other's requests. */
export function matchKey(spec: CohortSpec): string {
  return `${[...(spec.match.hosts ?? [])].sort().join(",")}|${(spec.match.header ?? "").toLowerCase()}`;
}
