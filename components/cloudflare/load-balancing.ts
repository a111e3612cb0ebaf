/**
 * Cloudflare Load Balancing for one cohort (providers.md 3.1 B): a monitor, one pool holding
 * only this cohort's origins, and a load balancer on the cohort's own hostname whose default
 * and fallback pools are that pool alone, with failover across pools off. No pool is ever
 * shared with another cohort, so a failing cohort cannot fail over onto another's copy.
 */
import * as cloudflare from "@pulumi/cloudflare";
import type * as pulumi from "@pulumi/pulumi";
import type { CloudflareEdgeSpec } from "./schema.js";

export interface CohortLoadBalancerArgs {
  /** The Cloudflare account (pools and monitors are account-level). */
  accountId: pulumi.Input<string>;
  /** The zone of the hostname. */
  zoneId: pulumi.Input<string>;
  /** The cohort. */
  cohort: string;
  /** The cohort's hostname: the load balancer's name. */
  hostname: string;
  /** Account-unique pool name, e.g. `svc-prod-free`. */
  poolName: string;
  /** This cohort's origins only (load balancer DNS names or addresses). */
  origins: pulumi.Input<string>[];
  /** The monitor's settings (validated). */
  monitor: NonNullable<CloudflareEdgeSpec["loadBalancing"]>;
}

export interface CohortLoadBalancer {
  monitor: cloudflare.LoadBalancerMonitor;
  pool: cloudflare.LoadBalancerPool;
  loadBalancer: cloudflare.LoadBalancer;
}

/** @param name Logical name prefix: `<name>-monitor`, `<name>-pool`, `<name>-lb`. */
export function createCohortLoadBalancer(
  name: string,
  args: CohortLoadBalancerArgs,
  opts: pulumi.CustomResourceOptions,
): CohortLoadBalancer {
  const monitor = new cloudflare.LoadBalancerMonitor(
    `${name}-monitor`,
    {
      accountId: args.accountId,
      description: `cohort=${args.cohort} health`,
      type: args.monitor.type,
      method: "GET",
      path: args.monitor.path,
      expectedCodes: args.monitor.expectedCodes,
      interval: args.monitor.interval,
      // The origins route on Host, so the probe must ask for the cohort's hostname.
      header: { Host: [args.hostname] },
    },
    opts,
  );
  const pool = new cloudflare.LoadBalancerPool(
    `${name}-pool`,
    {
      accountId: args.accountId,
      name: args.poolName,
      description: `cohort=${args.cohort}`,
      monitor: monitor.id,
      origins: args.origins.map((address, i) => ({
        name: `${args.cohort}-${i}`,
        address,
        enabled: true,
        header: { hosts: [args.hostname] },
      })),
    },
    opts,
  );
  const loadBalancer = new cloudflare.LoadBalancer(
    `${name}-lb`,
    {
      zoneId: args.zoneId,
      name: args.hostname,
      description: `cohort=${args.cohort}`,
      defaultPools: [pool.id],
      fallbackPool: pool.id,
      proxied: true,
      steeringPolicy: "off",
      adaptiveRouting: { failoverAcrossPools: false },
    },
    opts,
  );
  return { monitor, pool, loadBalancer };
}

/** The pool name of a cohort: account-unique across environments. */
export function cohortPoolName(environment: string, cohort: string): string {
  return `svc-${environment}-${cohort}`;
}
