/**
 * The Cloudflare platform module: schema and validation of the edge's inputs, and the pure
 * builders of its edge part (edge stack) and cohort part (cohort stacks).
 */
export * from "./schema.js";
export { cloudflareEdgeProblems, validateCloudflareEdge, ORIGIN_RULE_QUOTA } from "./validate.js";
export { createCloudflareEdge, type CloudflareEdge, type CloudflareEdgeArgs } from "./edge.js";
export {
  createCloudflareCohort,
  type CloudflareCohortArgs,
  type CloudflareCohort as CloudflareCohortResources,
} from "./cohort.js";
export { createCohortHostname, type CohortHostnameArgs } from "./dns.js";
export {
  createCohortLoadBalancer,
  cohortPoolName,
  type CohortLoadBalancerArgs,
} from "./load-balancing.js";
export {
  createRoutingWorker,
  createCohortRouteEntry,
  routerConfig,
  routerBindings,
  type RouteEntry,
} from "./worker.js";
export {
  createZoneRuleset,
  originRules,
  cacheBypassRules,
  cohortRuleRef,
  ORIGIN_PHASE,
  CACHE_PHASE,
} from "./rulesets.js";
export {
  ROUTER_SOURCE,
  ROUTER_MODULE,
  VERIFIED_COHORT_HEADER,
  type RouterConfig,
} from "./router-source.js";
export { signCohortCookie } from "./cookie.js";
export {
  quoteRuleString,
  isSafeRuleValue,
  cohortHeaderExpression,
  hostExpression,
} from "./expression.js";
export {
  cloudflareOnlyIngress,
  cloudflareRangesSchema,
  cloudflareRangesProblems,
  type CloudflareRanges,
} from "./origin-lock.js";
