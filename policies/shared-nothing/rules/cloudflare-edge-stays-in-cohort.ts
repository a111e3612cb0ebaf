import { cloudflareEdgeFindings } from "../lib/cloudflare-edge.js";
import { stackRule } from "../lib/rule.js";

export const CLOUDFLARE_EDGE_STAYS_IN_COHORT = "cloudflare-edge-stays-in-cohort";

export const cloudflareEdgeStaysInCohort = stackRule(
  {
    name: CLOUDFLARE_EDGE_STAYS_IN_COHORT,
    description:
      "Cloudflare edge: every load balancer pool reference (region, PoP, country pools, rule overrides) stays in the hostname's cohort; cohort DNS records are proxied; one Ruleset per zone and phase; Worker routes do not overlap; a Worker route entry names its own cohort's origin only.",
  },
  (graph, cfg) => {
    const known = new Set([...graph.cohorts(), ...(cfg.cohorts ?? [])]);
    return cloudflareEdgeFindings(graph, known, cfg.cohortHeader, cfg.cohortTagKey);
  },
);
