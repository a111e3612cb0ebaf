/**
 * Whether each cohort's own front door recognises the requests Cloudflare sends it. In every
 * routing mode Cloudflare reaches a cohort's origin with `Host: <the cohort's Cloudflare
 * hostname>` (its proxied record, the Worker's fetch of that hostname, or the Origin Rule's Host
 * override). Where cohorts share a front door (a rule on the edge's ALB, an HTTPRoute on the
 * Gateway) the platform picks the cohort by its `match`, so behind Cloudflare that match must
 * name the cohort's own Cloudflare hostname, and never another cohort's or the shared one:
 * - a match without hosts (header only) would let a client pick any cohort by sending the
 *   header through Cloudflare, whatever hostname it called;
 * - hosts without its own hostname leave the cohort unreachable through Cloudflare;
 * - hosts naming (or a wildcard covering) another cohort's hostname, or the shared one, would
 *   take that traffic.
 * A cohort on its own (dedicated) load balancer is reached by its record only, so only the last
 * rule applies to it.
 */
import { formatPath, type SpecProblem } from "../errors.js";
import type { IndexedCohort } from "../platform.js";
import type { PlatformId } from "../spec.js";
import type { CloudflareEdgeSpec } from "./schema.js";

/** Whether an ALB/Gateway host pattern (exact, or `*.` wildcard) matches `host`. */
export function hostPatternMatches(pattern: string, host: string): boolean {
  if (!pattern.startsWith("*.")) return pattern === host;
  // ALB's `*` and Gateway API's leading `*.` both need at least one more label.
  const suffix = pattern.slice(1);
  return host.endsWith(suffix) && host.length > suffix.length;
}

function problem(path: readonly PropertyKey[], text: string, hint: string): SpecProblem {
  return { path: formatPath(path), problem: text, hint };
}

/**
 * Every cohort whose platform match disagrees with its Cloudflare hostname.
 * @param cohorts the environment's cohorts as parsed, with their indexes (for paths).
 * @param platform the platform the cohorts run on.
 * @param spec the validated Cloudflare edge.
 */
export function originMatchProblems(
  cohorts: readonly IndexedCohort[],
  platform: PlatformId,
  spec: CloudflareEdgeSpec,
): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const hostnameOf = new Map(spec.cohorts.map((c) => [c.name, c.hostname]));
  const frontDoor = platform === "aws" ? "the edge's load balancer" : "the Gateway";
  for (const { spec: cohort, index } of cohorts) {
    const own = hostnameOf.get(cohort.name);
    if (own === undefined) continue;
    const at = ["environment", "cohorts", index, "match"];
    const shared = platform === "kubernetes" || cohort.ingress === "shared";
    const hosts = cohort.match.hosts;
    if (hosts === undefined) {
      if (shared) {
        problems.push(
          problem(
            [...at, "hosts"],
            `is required behind Cloudflare for cohort ${cohort.name} on ${frontDoor}: a header match alone lets a client pick any cohort by sending the header through Cloudflare`,
            `set hosts: ["${own}"] (its Cloudflare hostname)`,
          ),
        );
      }
      continue;
    }
    if (shared && !hosts.some((h) => hostPatternMatches(h, own))) {
      problems.push(
        problem(
          [...at, "hosts"],
          `${JSON.stringify(hosts)} does not include cohort ${cohort.name}'s Cloudflare hostname "${own}": Cloudflare's requests carry that Host and would not reach its rule`,
          `add "${own}" to match.hosts, or set cloudflare.cohorts[].hostname for ${cohort.name} to one of its hosts`,
        ),
      );
    }
    hosts.forEach((pattern, j) => {
      const taken = spec.cohorts.filter(
        (c) => c.name !== cohort.name && hostPatternMatches(pattern, c.hostname),
      );
      for (const other of taken) {
        problems.push(
          problem(
            [...at, "hosts", j],
            `"${pattern}" matches cohort ${other.name}'s Cloudflare hostname "${other.hostname}": cohort ${cohort.name}'s rule would take ${other.name}'s traffic`,
            `match only ${cohort.name}'s own hostname "${own}"`,
          ),
        );
      }
      if (spec.routing !== "hostname" && hostPatternMatches(pattern, spec.hostname)) {
        problems.push(
          problem(
            [...at, "hosts", j],
            `"${pattern}" matches the shared hostname "${spec.hostname}", whose requests without a verified cohort must reach no cohort`,
            `match only ${cohort.name}'s own hostname "${own}"`,
          ),
        );
      }
    });
  }
  return problems;
}
