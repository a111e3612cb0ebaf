/**
 * Physical names. Every name is deterministic (never autonamed), embeds the
 * environment and the cohort, and respects AWS length limits: target group and
 * load balancer names are at most 32 characters, so those use the cohort plus a
 * short hash of `<environment>/<cohort>` instead of the full prefix.
 * Cohort and environment names are at most 20 characters (COHORT_NAME_PATTERN).
 */
import { shortHash } from "./hash.js";
import { cohortResourcePrefix } from "./identity.js";

export interface CohortNames {
  prefix: string;
  cluster: string;
  service: string;
  family: string;
  container: string;
  table: string;
  bucket: string;
  taskRole: string;
  executionRole: string;
  taskPolicy: string;
  executionPolicy: string;
  securityGroup: string;
  logGroup: string;
  keyAlias: string;
  targetGroup: string;
  loadBalancer: string;
  loadBalancerSecurityGroup: string;
  alarm: (kind: string) => string;
  compositeAlarm: string;
}

export function cohortNames(environment: string, cohort: string): CohortNames {
  const prefix = cohortResourcePrefix(environment, cohort);
  const hash = shortHash(`${environment}/${cohort}`);
  return {
    prefix,
    cluster: `${prefix}-cluster`,
    service: `${prefix}-svc`,
    family: `${prefix}-task`,
    container: "app",
    table: `${prefix}-data`,
    bucket: `${prefix}-files-${hash}`,
    taskRole: `${prefix}-task`,
    executionRole: `${prefix}-exec`,
    taskPolicy: `${prefix}-storage`,
    executionPolicy: `${prefix}-pull-logs`,
    securityGroup: `${prefix}-tasks`,
    logGroup: `/ecs/${prefix}`,
    keyAlias: `alias/${prefix}`,
    targetGroup: `tg-${cohort}-${hash}`,
    loadBalancer: `lb-${cohort}-${hash}`,
    loadBalancerSecurityGroup: `${prefix}-lb`,
    alarm: (kind) => `cohort-${environment}-${cohort}-${kind}`,
    compositeAlarm: `cohort-${environment}-${cohort}-health`,
  };
}

/** Names a pin's config values must never contain for another cohort. */
export function storageNames(names: CohortNames): string[] {
  return [names.table, names.bucket, names.keyAlias, names.cluster, names.taskRole];
}

export interface EdgeNames {
  loadBalancer: string;
  securityGroup: string;
}

export function edgeNames(environment: string): EdgeNames {
  return {
    loadBalancer: `edge-${environment}-${shortHash(environment)}`,
    securityGroup: `svc-${environment}-edge-lb`,
  };
}
