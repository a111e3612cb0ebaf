/**
 * One cohort's Cloudflare part, created in that cohort's stack: its own hostname (a proxied
 * record, or a load balancer over its own monitored pool) pointing at its own origins only,
 * and, with Worker routing, its route entry. Nothing here can name another cohort: the args
 * carry one cohort and that cohort's origins.
 */
import type * as cloudflare from "@pulumi/cloudflare";
import type * as pulumi from "@pulumi/pulumi";
import { createCohortHostname } from "./dns.js";
import {
  cohortPoolName,
  createCohortLoadBalancer,
  type CohortLoadBalancer,
} from "./load-balancing.js";
import type { CloudflareEdgeSpec } from "./schema.js";
import { createCohortRouteEntry } from "./worker.js";

export interface CloudflareCohortArgs {
  /** The validated edge (validateCloudflareEdge). */
  spec: CloudflareEdgeSpec;
  /** The environment's name, for account-unique pool names. */
  environment: string;
  /** The cohort this stack owns. */
  cohort: string;
  /** This cohort's origins (its ALB's DNS name, its Gateway's address): one unless load balanced. */
  origins: pulumi.Input<string>[];
  /** DNS record type of the origin. @default "CNAME" */
  originType?: "CNAME" | "A" | "AAAA";
  /** Worker routing: the edge's route-entry namespace id, read from the edge stack. */
  routesNamespaceId?: pulumi.Input<string>;
}

export interface CloudflareCohort {
  record: cloudflare.DnsRecord | undefined;
  loadBalancer: CohortLoadBalancer | undefined;
  routeEntry: cloudflare.WorkersKv | undefined;
  /** The cohort's hostname. */
  hostname: string;
}

/** @param name Logical name prefix of the cohort's Cloudflare resources. */
export function createCloudflareCohort(
  name: string,
  args: CloudflareCohortArgs,
  opts: pulumi.CustomResourceOptions,
): CloudflareCohort {
  const { spec } = args;
  const cohort = spec.cohorts.find((c) => c.name === args.cohort);
  if (cohort === undefined) throw new Error(`cohort ${args.cohort} is not in the Cloudflare edge`);
  const [first] = args.origins;
  if (first === undefined) throw new Error(`cohort ${args.cohort} needs an origin`);
  let record: cloudflare.DnsRecord | undefined;
  let loadBalancer: CohortLoadBalancer | undefined;
  if (spec.loadBalancing !== undefined) {
    loadBalancer = createCohortLoadBalancer(
      `${name}-cf`,
      {
        accountId: spec.accountId,
        zoneId: spec.zone.id,
        cohort: cohort.name,
        hostname: cohort.hostname,
        poolName: cohortPoolName(args.environment, cohort.name),
        origins: args.origins,
        monitor: spec.loadBalancing,
      },
      opts,
    );
  } else {
    record = createCohortHostname(
      `${name}-cf`,
      {
        zoneId: spec.zone.id,
        cohort: cohort.name,
        hostname: cohort.hostname,
        origin: first,
        ...(args.originType !== undefined ? { type: args.originType } : {}),
      },
      opts,
    );
  }
  let routeEntry: cloudflare.WorkersKv | undefined;
  if (spec.routing === "worker") {
    if (args.routesNamespaceId === undefined) {
      throw new Error(`cohort ${args.cohort} needs the edge's route-entry namespace`);
    }
    routeEntry = createCohortRouteEntry(
      `${name}-cf`,
      {
        accountId: spec.accountId,
        namespaceId: args.routesNamespaceId,
        identity: cohort.identity,
        cohort: cohort.name,
        hostname: record?.name ?? loadBalancer?.loadBalancer.name ?? cohort.hostname,
      },
      opts,
    );
  }
  return { record, loadBalancer, routeEntry, hostname: cohort.hostname };
}
