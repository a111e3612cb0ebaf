/**
 * Physical names. Every name is deterministic (never autonamed), embeds the
 * environment and the cohort, and respects AWS length limits: target group and
 * load balancer names are at most 32 characters, so those use the cohort plus a
 * short hash of `<environment>/<cohort>` instead of the full prefix. S3 bucket
 * names are one namespace across all accounts and regions, so a bucket's name
 * also hashes the account and region it lives in (else the first account to
 * deploy `dev`/`pro` anywhere would take the name from every other one).
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
  /** The bucket's name in `accountId`/`region`: `<prefix>-files-<8 hex>`, at most 60 chars. */
  bucket: (accountId: string, region: string) => string;
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
    bucket: (accountId, region) =>
      `${prefix}-files-${shortHash(`${accountId}/${region}/${environment}/${cohort}`, 8)}`,
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

/** A physical name as it can appear in text: whole, not as the start of a longer name. */
export interface NamePattern {
  label: string;
  pattern: RegExp;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const wholeName = (source: string) => new RegExp(`${source}(?![A-Za-z0-9_-])`);

/** Names a pin's config values must never contain for another cohort. */
export function storageNames(names: CohortNames): NamePattern[] {
  const exact = [names.table, names.keyAlias, names.cluster, names.taskRole].map((n) => ({
    label: n,
    pattern: wholeName(escape(n)),
  }));
  // The bucket's hash depends on the account and region: match any of them.
  const bucket = `${names.prefix}-files-`;
  return [...exact, { label: `${bucket}…`, pattern: wholeName(`${escape(bucket)}[0-9a-f]{6,8}`) }];
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
