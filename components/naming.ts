/**
 * Physical names. Every name is deterministic (never autonamed), embeds the
 * environment and the cohort, and respects AWS length limits: target group and
 * load balancer names are at most 32 characters, so those use the cohort plus a
 * short hash of `<environment>/<cohort>` instead of the full prefix. S3 bucket
 * names are one namespace across all accounts and regions, so a bucket's name
 * also hashes the account and region it lives in (else the first account to
 * deploy `dev`/`pro` anywhere would take the name from every other one).
 * Cohort and environment names are at most 20 characters (COHORT_NAME_PATTERN).
 *
 * Unambiguous by construction: cohort names may contain '-' (`eu`, `eu-task`), so a
 * name must never be the cohort's bare prefix (`svc-<env>-<cohort>`), which would
 * read as another cohort's name plus a suffix (`svc-prod-eu-task`: cohort `eu`'s
 * task role, or cohort `eu-task`'s key alias?). Every name is
 * `<fixed head>-<env>-<cohort>-<suffix>` (environment names contain no '-') with
 * its suffix from the closed set of NAME_RULES, where no suffix ends in
 * `-<another suffix>`; so a name has exactly one (cohort, kind) reading. Target
 * groups and load balancers end in a fixed-length hash instead.
 *
 * NAME_RULES is the one table of every kind of name a cohort owns: validation
 * (a pin must not name another cohort's resource) and the policy pack (which
 * cohort does a literal name belong to) read it, so a new kind cannot be left out.
 */
import { shortHash } from "./hash.js";
import { cohortResourcePrefix } from "./identity.js";

/** The metric alarms of a cohort's health gate (the composite alarm is `compositeAlarm`). */
export const ALARM_KINDS = [
  "error-rate",
  "latency-p99",
  "unhealthy-hosts",
  "no-healthy-hosts",
  // Kubernetes cohorts (Container Insights per namespace).
  "running-pods",
  "restarts",
] as const;
export type AlarmKind = (typeof ALARM_KINDS)[number];

export interface CohortNames {
  /** `svc-<env>-<cohort>`: the start of most names, never a name by itself. */
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
  alarm: (kind: AlarmKind) => string;
  compositeAlarm: string;
}

/** Where a resource lives, for names and ARNs that depend on it. */
export interface Placement {
  partition: string;
  accountId: string;
  region: string;
}

/** One kind of physical name a cohort owns. */
export interface NameRule {
  /** What the name is, for messages: "task role", "log group". */
  label: string;
  /** The resource type that carries the name. */
  resourceType: string;
  /** The name as given to the provider. */
  name: (environment: string, cohort: string, at: Placement) => string;
  /**
   * A regular expression source matching the name's distinctive token in any account and
   * region (the name without a fixed context such as `alias/` or `/ecs/`).
   */
  token: (environment: string, cohort: string) => string;
  /** The ARN AWS gives the resource, when it embeds the name (ids AWS picks are placeholders). */
  arn?: (name: string, at: Placement, environment: string, cohort: string) => string;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const hashOf = (environment: string, cohort: string) => shortHash(`${environment}/${cohort}`);
const arnHead = (service: string, at: Placement) =>
  `arn:${at.partition}:${service}:${at.region}:${at.accountId}`;

/** `svc-<env>-<cohort>-<suffix>`, the shape of most names. */
function suffixed(
  label: string,
  resourceType: string,
  suffix: string,
  arn?: NameRule["arn"],
  context = "",
): NameRule {
  const token = (e: string, c: string) => `${cohortResourcePrefix(e, c)}-${suffix}`;
  return {
    label,
    resourceType,
    name: (e, c) => `${context}${token(e, c)}`,
    token: (e, c) => escape(token(e, c)),
    ...(arn ? { arn } : {}),
  };
}

function alarmRule(kind: AlarmKind | "health"): NameRule {
  const name = (e: string, c: string) => `cohort-${e}-${c}-${kind}`;
  return {
    label: kind === "health" ? "composite alarm" : `${kind} alarm`,
    resourceType:
      kind === "health"
        ? "aws:cloudwatch/compositeAlarm:CompositeAlarm"
        : "aws:cloudwatch/metricAlarm:MetricAlarm",
    name,
    token: (e, c) => escape(name(e, c)),
    arn: (n, at) => `${arnHead("cloudwatch", at)}:alarm:${n}`,
  };
}

const BUCKET_HASH = 8;

/**
 * Every kind of name a cohort owns. Keys are CohortNames' keys; an alarm kind's key is
 * `alarm:<kind>`. Suffixes are chosen so that none ends in `-<another suffix>`
 * (test/component/naming-unambiguous.property.test.ts checks every pair of cohorts).
 */
export const NAME_RULES = {
  cluster: suffixed(
    "ECS cluster",
    "aws:ecs/cluster:Cluster",
    "cluster",
    (n, at) => `${arnHead("ecs", at)}:cluster/${n}`,
  ),
  service: suffixed(
    "ECS service",
    "aws:ecs/service:Service",
    "svc",
    (n, at, e, c) => `${arnHead("ecs", at)}:service/${cohortResourcePrefix(e, c)}-cluster/${n}`,
  ),
  family: suffixed(
    "task definition family",
    "aws:ecs/taskDefinition:TaskDefinition",
    "task",
    (n, at) => `${arnHead("ecs", at)}:task-definition/${n}:1`,
  ),
  table: suffixed(
    "DynamoDB table",
    "aws:dynamodb/table:Table",
    "data",
    (n, at) => `${arnHead("dynamodb", at)}:table/${n}`,
  ),
  bucket: {
    label: "S3 bucket",
    resourceType: "aws:s3/bucket:Bucket",
    name: (e, c, at) =>
      `${cohortResourcePrefix(e, c)}-files-${shortHash(`${at.accountId}/${at.region}/${e}/${c}`, BUCKET_HASH)}`,
    token: (e, c) => `${escape(cohortResourcePrefix(e, c))}-files-[0-9a-f]{${BUCKET_HASH}}`,
    arn: (n, at) => `arn:${at.partition}:s3:::${n}`,
  } satisfies NameRule,
  taskRole: suffixed(
    "task role",
    "aws:iam/role:Role",
    "task",
    (n, at) => `arn:${at.partition}:iam::${at.accountId}:role/${n}`,
  ),
  executionRole: suffixed(
    "execution role",
    "aws:iam/role:Role",
    "exec",
    (n, at) => `arn:${at.partition}:iam::${at.accountId}:role/${n}`,
  ),
  taskPolicy: suffixed("task role policy", "aws:iam/rolePolicy:RolePolicy", "storage"),
  executionPolicy: suffixed("execution role policy", "aws:iam/rolePolicy:RolePolicy", "pull-logs"),
  securityGroup: suffixed("task security group", "aws:ec2/securityGroup:SecurityGroup", "tasks"),
  logGroup: suffixed(
    "log group",
    "aws:cloudwatch/logGroup:LogGroup",
    "app-logs",
    (n, at) => `${arnHead("logs", at)}:log-group:${n}:*`,
    "/ecs/",
  ),
  keyAlias: suffixed(
    "KMS key alias",
    "aws:kms/alias:Alias",
    "key",
    (n, at) => `${arnHead("kms", at)}:${n}`,
    "alias/",
  ),
  targetGroup: {
    label: "target group",
    resourceType: "aws:lb/targetGroup:TargetGroup",
    name: (e, c) => `tg-${c}-${hashOf(e, c)}`,
    token: (e, c) => escape(`tg-${c}-${hashOf(e, c)}`),
    arn: (n, at) => `${arnHead("elasticloadbalancing", at)}:targetgroup/${n}/0123456789abcdef`,
  } satisfies NameRule,
  loadBalancer: {
    label: "load balancer",
    resourceType: "aws:lb/loadBalancer:LoadBalancer",
    name: (e, c) => `lb-${c}-${hashOf(e, c)}`,
    token: (e, c) => escape(`lb-${c}-${hashOf(e, c)}`),
    arn: (n, at) => `${arnHead("elasticloadbalancing", at)}:loadbalancer/app/${n}/0123456789abcdef`,
  } satisfies NameRule,
  loadBalancerSecurityGroup: suffixed(
    "load balancer security group",
    "aws:ec2/securityGroup:SecurityGroup",
    "lb",
  ),
  ...(Object.fromEntries(ALARM_KINDS.map((k) => [`alarm:${k}`, alarmRule(k)])) as Record<
    `alarm:${AlarmKind}`,
    NameRule
  >),
  compositeAlarm: alarmRule("health"),
} satisfies Record<string, NameRule>;

export type NameKind = keyof typeof NAME_RULES;

/** CohortNames' keys that are not names of a resource kind (and so not in NAME_RULES). */
export const NOT_RESOURCE_NAMES = ["prefix", "container"] as const;

const NOWHERE: Placement = { partition: "aws", accountId: "", region: "" };

export function cohortNames(environment: string, cohort: string): CohortNames {
  const name = (kind: Exclude<NameKind, "bucket">) =>
    NAME_RULES[kind].name(environment, cohort, NOWHERE);
  return {
    prefix: cohortResourcePrefix(environment, cohort),
    cluster: name("cluster"),
    service: name("service"),
    family: name("family"),
    // One container per task, named the same in every cohort: it is no resource of its own.
    container: "app",
    table: name("table"),
    bucket: (accountId, region) =>
      NAME_RULES.bucket.name(environment, cohort, { partition: "aws", accountId, region }),
    taskRole: name("taskRole"),
    executionRole: name("executionRole"),
    taskPolicy: name("taskPolicy"),
    executionPolicy: name("executionPolicy"),
    securityGroup: name("securityGroup"),
    logGroup: name("logGroup"),
    keyAlias: name("keyAlias"),
    targetGroup: name("targetGroup"),
    loadBalancer: name("loadBalancer"),
    loadBalancerSecurityGroup: name("loadBalancerSecurityGroup"),
    alarm: (kind) => name(`alarm:${kind}`),
    compositeAlarm: name("compositeAlarm"),
  };
}

/** A physical name as it can appear in text: a whole token, not part of a longer name. */
export interface NamePattern {
  kind: NameKind;
  label: string;
  pattern: RegExp;
}

/** Characters of a name: a token is bounded by anything else (`/`, `:`, `"`, space, end). */
const NAME_CHAR = "[A-Za-z0-9_-]";

const patternCache = new Map<string, NamePattern[]>();

/** Every name a cohort owns, as patterns that find it (and its ARN) inside any text. */
export function cohortNamePatterns(environment: string, cohort: string): NamePattern[] {
  const key = `${environment}/${cohort}`;
  let patterns = patternCache.get(key);
  if (patterns === undefined) {
    patterns = (Object.entries(NAME_RULES) as [NameKind, NameRule][]).map(([kind, rule]) => ({
      kind,
      label: rule.label,
      pattern: new RegExp(`(?<!${NAME_CHAR})${rule.token(environment, cohort)}(?!${NAME_CHAR})`),
    }));
    // Bounded: a program has a handful of cohorts; property tests have thousands.
    if (patternCache.size >= 1000) patternCache.clear();
    patternCache.set(key, patterns);
  }
  return patterns;
}

export interface NamedResource {
  cohort: string;
  kind: NameKind;
  label: string;
  /** The name as found in the text. */
  name: string;
}

/** The names of `cohorts`' resources that `text` contains (whole, or inside an ARN). */
export function namesIn(
  text: string,
  environment: string,
  cohorts: readonly string[],
): NamedResource[] {
  return cohorts.flatMap((cohort) =>
    cohortNamePatterns(environment, cohort).flatMap((p) => {
      const found = p.pattern.exec(text);
      return found ? [{ cohort, kind: p.kind, label: p.label, name: found[0] }] : [];
    }),
  );
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
