import * as aws from "@pulumi/aws";
import * as cloudflare from "@pulumi/cloudflare";
import { cohortTags } from "../../../../components/identity.js";
import { ZONE_ID } from "./cloudflare.js";

/**
 * Cloudflare Load Balancing with a hostname per cohort: each cohort has its dedicated ALB, a pool
 * of that ALB, and a load balancer on `<cohort>.api.example.com` whose default and fallback pools
 * are its own.
 */
export const ACCOUNT_ID = "fedcba9876543210fedcba9876543210";

export function cohortAlb(c: string, logical = `${c}-alb`): aws.lb.LoadBalancer {
  return new aws.lb.LoadBalancer(logical, {
    name: `svc-dev-${logical}`,
    loadBalancerType: "application",
    subnets: ["subnet-a", "subnet-b"],
    tags: cohortTags(c),
  });
}

export function pool(name: string, albs: aws.lb.LoadBalancer[]): cloudflare.LoadBalancerPool {
  return new cloudflare.LoadBalancerPool(name, {
    accountId: ACCOUNT_ID,
    name,
    origins: albs.map((alb, i) => ({ name: `origin-${i}`, address: alb.dnsName, enabled: true })),
  });
}

export function cohortLoadBalancer(
  c: string,
  defaultPool: cloudflare.LoadBalancerPool,
  fallbackPool: cloudflare.LoadBalancerPool = defaultPool,
): cloudflare.LoadBalancer {
  return new cloudflare.LoadBalancer(`${c}-lb`, {
    zoneId: ZONE_ID,
    name: `${c}.api.example.com`,
    defaultPools: [defaultPool.id],
    fallbackPool: fallbackPool.id,
    proxied: true,
    steeringPolicy: "off",
  });
}
