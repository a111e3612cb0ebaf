/**
 * The Cloudflare edge stack's part: only true singletons. With per-cohort hostnames there are
 * none. With a shared hostname: the routing Worker (script, route, route-entry namespace) or the
 * zone's single Origin Rules Ruleset, and the zone's single cache-settings Ruleset (unless the
 * user opted out of cache safety with a reason). At most one Ruleset per zone and phase.
 */
import type * as cloudflare from "@pulumi/cloudflare";
import type * as pulumi from "@pulumi/pulumi";
import {
  CACHE_PHASE,
  cacheBypassRules,
  createZoneRuleset,
  ORIGIN_PHASE,
  originRules,
} from "./rulesets.js";
import type { CloudflareEdgeSpec } from "./schema.js";
import { createRoutingWorker, routerNeedsSecret, type RoutingWorker } from "./worker.js";

export interface CloudflareEdgeArgs {
  /** The validated edge (validateCloudflareEdge). */
  spec: CloudflareEdgeSpec;
  /** Physical-name prefix, e.g. `svc-prod`: script names are account-unique. */
  prefix: string;
  /** Worker routing: the signing key, the trusted upstream's shared secret or the HS256 key. */
  secret?: pulumi.Input<string>;
  /** Worker routing: origin of requests without a verified cohort. @default a fixed 404 */
  defaultOrigin?: string;
}

export interface CloudflareEdge {
  worker: RoutingWorker | undefined;
  /** The zone's entry-point Rulesets this edge owns, by phase (one each at most). */
  rulesets: Map<string, cloudflare.Ruleset>;
  /** What cohort stacks read from the edge stack. */
  outputs: { routesNamespaceId?: pulumi.Output<string> };
}

/** @param name Logical name prefix of the edge's resources. */
export function createCloudflareEdge(
  name: string,
  args: CloudflareEdgeArgs,
  opts: pulumi.CustomResourceOptions,
): CloudflareEdge {
  const { spec } = args;
  const rulesets = new Map<string, cloudflare.Ruleset>();
  let worker: RoutingWorker | undefined;
  if (spec.routing === "worker") {
    const needsSecret = routerNeedsSecret(spec.cohortSource);
    if (needsSecret && args.secret === undefined)
      throw new Error("Worker routing needs the secret");
    worker = createRoutingWorker(
      `${name}-cf`,
      {
        spec,
        ...(needsSecret && args.secret !== undefined ? { secret: args.secret } : {}),
        scriptName: `${args.prefix}-cohort-router`,
        ...(args.defaultOrigin !== undefined ? { defaultOrigin: args.defaultOrigin } : {}),
      },
      opts,
    );
  }
  if (spec.routing === "origin-rules") {
    rulesets.set(
      ORIGIN_PHASE,
      createZoneRuleset(
        `${name}-cf-origin-rules`,
        {
          zoneId: spec.zone.id,
          phase: ORIGIN_PHASE,
          rulesetName: `${args.prefix} cohort origin routing`,
          rules: originRules(spec),
        },
        opts,
      ),
    );
  }
  if (spec.routing !== "hostname" && spec.cache.sharedHostname === "bypass") {
    rulesets.set(
      CACHE_PHASE,
      createZoneRuleset(
        `${name}-cf-cache-rules`,
        {
          zoneId: spec.zone.id,
          phase: CACHE_PHASE,
          rulesetName: `${args.prefix} cohort cache safety`,
          rules: cacheBypassRules(spec),
        },
        opts,
      ),
    );
  }
  return {
    worker,
    rulesets,
    outputs: worker !== undefined ? { routesNamespaceId: worker.namespace.id } : {},
  };
}
