/**
 * DESIGN.md §5's five invariants on AWS, as checks over a recorded resource
 * graph. Each returns a list of violations (empty = holds), so a test asserts
 * `toEqual([])` and a negative control asserts that a tampered graph fails.
 *
 * Ownership comes from the parent chain (the CohortStack a resource lives
 * under, or the Edge), never from the resource's own tags, so the tags are
 * checked against something independent.
 */
import type { CohortOutput } from "../../../components/contract.js";
import {
  COHORT_TAG_KEY,
  INGRESS_TAG_KEY,
  INGRESS_TAG_VALUE,
} from "../../../components/identity.js";
import { cohortNames } from "../../../components/naming.js";
import { COHORT_STACK_TYPE, EDGE_TYPE } from "../../../components/types.js";
import type { RecordedResource, ResourceGraph } from "./graph-recorder.js";

export type Owner = { kind: "cohort"; cohort: string } | { kind: "ingress" } | { kind: "none" };

/** AWS types that take tags: each must carry exactly one marker. */
export const TAGGABLE = new Set([
  "aws:ecs/cluster:Cluster",
  "aws:ecs/taskDefinition:TaskDefinition",
  "aws:ecs/service:Service",
  "aws:ec2/securityGroup:SecurityGroup",
  "aws:dynamodb/table:Table",
  "aws:s3/bucket:Bucket",
  "aws:kms/key:Key",
  "aws:iam/role:Role",
  "aws:lb/targetGroup:TargetGroup",
  "aws:lb/listenerRule:ListenerRule",
  "aws:lb/loadBalancer:LoadBalancer",
  "aws:lb/listener:Listener",
  "aws:cloudwatch/metricAlarm:MetricAlarm",
  "aws:cloudwatch/compositeAlarm:CompositeAlarm",
  "aws:cloudwatch/logGroup:LogGroup",
]);

const T = {
  rule: "aws:lb/listenerRule:ListenerRule",
  listener: "aws:lb/listener:Listener",
  tg: "aws:lb/targetGroup:TargetGroup",
  lb: "aws:lb/loadBalancer:LoadBalancer",
  policy: "aws:iam/rolePolicy:RolePolicy",
  role: "aws:iam/role:Role",
  task: "aws:ecs/taskDefinition:TaskDefinition",
  service: "aws:ecs/service:Service",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  composite: "aws:cloudwatch/compositeAlarm:CompositeAlarm",
  key: "aws:kms/key:Key",
  table: "aws:dynamodb/table:Table",
  bucket: "aws:s3/bucket:Bucket",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
} as const;

export function isInfrastructure(r: RecordedResource): boolean {
  return r.custom && !r.type.startsWith("pulumi:");
}

export function ownerOf(graph: ResourceGraph, r: RecordedResource): Owner {
  const chain = [r, ...graph.ancestors(r)];
  const stackIndex = chain.findIndex((a) => a.type === COHORT_STACK_TYPE);
  if (stackIndex >= 0) {
    const stack = chain[stackIndex];
    const service = chain[stackIndex + 1];
    if (stack !== undefined && service !== undefined && stack.name.startsWith(`${service.name}-`)) {
      return { kind: "cohort", cohort: stack.name.slice(service.name.length + 1) };
    }
  }
  if (chain.some((a) => a.type === EDGE_TYPE)) return { kind: "ingress" };
  return { kind: "none" };
}

function ownerLabel(o: Owner): string {
  return o.kind === "cohort" ? `cohort ${o.cohort}` : o.kind;
}

function sameOwner(a: Owner, b: Owner): boolean {
  return (
    a.kind === b.kind && (a.kind !== "cohort" || (b.kind === "cohort" && a.cohort === b.cohort))
  );
}

/** Invariant 1: exactly one cohort per resource (or the ingress), nothing of another cohort. */
export function ownershipViolations(
  graph: ResourceGraph,
  expectedCohorts: readonly string[],
  environment: string,
  /** Every cohort of the environment: a cohort stack must name none of the others. */
  allCohorts: readonly string[] = expectedCohorts,
): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const r of graph.resources.filter(isInfrastructure)) {
    const owner = ownerOf(graph, r);
    if (owner.kind === "none") {
      out.push(`${r.urn}: belongs to no cohort and not to the ingress`);
      continue;
    }
    if (owner.kind === "cohort") seen.add(owner.cohort);
    const tags = r.inputs.tags as Record<string, string> | undefined;
    if (TAGGABLE.has(r.type) && tags === undefined) out.push(`${r.urn}: untagged`);
    if (tags !== undefined) {
      const expected =
        owner.kind === "cohort"
          ? { [COHORT_TAG_KEY]: owner.cohort }
          : { [INGRESS_TAG_KEY]: INGRESS_TAG_VALUE };
      if (JSON.stringify(tags) !== JSON.stringify(expected)) {
        out.push(`${r.urn}: tags ${JSON.stringify(tags)}, expected ${JSON.stringify(expected)}`);
      }
    }
    for (const ref of graph.referencedIn(r.inputs)) {
      const refOwner = ownerOf(graph, ref);
      const allowed =
        sameOwner(owner, refOwner) || (owner.kind === "cohort" && refOwner.kind === "ingress");
      if (!allowed) {
        out.push(`${r.urn} (${ownerLabel(owner)}) uses ${ref.urn} (${ownerLabel(refOwner)})`);
      }
    }
    if (owner.kind === "cohort") {
      const text = JSON.stringify(r.inputs);
      const others = new Set([...expectedCohorts, ...allCohorts]);
      others.delete(owner.cohort);
      for (const other of others) {
        for (const name of distinctiveNames(environment, other)) {
          if (text.includes(name))
            out.push(`${r.urn} (cohort ${owner.cohort}) names "${name}" of cohort ${other}`);
        }
      }
    }
  }
  const expected = [...expectedCohorts].sort().join(",");
  const actual = [...seen].sort().join(",");
  if (expected !== actual) out.push(`cohorts with resources: [${actual}], expected [${expected}]`);
  return out;
}

/** Physical names of a cohort that cannot be a substring of another cohort's names. */
function distinctiveNames(environment: string, cohort: string): string[] {
  const n = cohortNames(environment, cohort);
  return [
    n.cluster,
    n.service,
    n.family,
    n.table,
    // The GraphRecorder's default account and region.
    n.bucket("111122223333", "eu-west-1"),
    n.taskRole,
    n.executionRole,
    n.targetGroup,
    n.compositeAlarm,
  ];
}

function statementsOf(policyJson: unknown): { Resource?: unknown; Principal?: unknown }[] {
  if (typeof policyJson !== "string") return [];
  const doc = JSON.parse(policyJson) as { Statement?: unknown };
  return Array.isArray(doc.Statement) ? (doc.Statement as { Resource?: unknown }[]) : [];
}

const ALLOWED_ARN_SUFFIXES = ["", "/index/*", "/*", ":*"];

/** Invariant 2: every role policy lists only its own cohort's ARNs; task roles reach their own storage. */
export function iamViolations(graph: ResourceGraph): string[] {
  const out: string[] = [];
  for (const policy of graph.ofType(T.policy)) {
    const owner = ownerOf(graph, policy);
    const role = graph.owner(policy.inputs.role);
    if (role === undefined || !sameOwner(ownerOf(graph, role), owner)) {
      out.push(`${policy.urn}: attached to a role outside ${ownerLabel(owner)}`);
    }
    for (const statement of statementsOf(policy.inputs.policy)) {
      const resources = Array.isArray(statement.Resource)
        ? statement.Resource
        : [statement.Resource];
      for (const resource of resources) {
        if (typeof resource !== "string") {
          out.push(`${policy.urn}: statement without a resource ARN`);
          continue;
        }
        const target = graph.owner(resource);
        if (target === undefined) {
          out.push(`${policy.urn}: "${resource}" is not one resource's ARN (wildcard or foreign)`);
          continue;
        }
        const base = `arn:sentinel:${target.type.replaceAll("/", ".")}/${target.name}`;
        const suffix = resource.startsWith(base) ? resource.slice(base.length) : undefined;
        if (suffix === undefined || !ALLOWED_ARN_SUFFIXES.includes(suffix)) {
          out.push(`${policy.urn}: "${resource}" widens ${target.urn} beyond itself`);
        }
        if (!sameOwner(ownerOf(graph, target), owner)) {
          out.push(
            `${policy.urn} (${ownerLabel(owner)}) reaches ${target.urn} (${ownerLabel(ownerOf(graph, target))})`,
          );
        }
      }
    }
  }
  for (const task of graph.ofType(T.task)) {
    const owner = ownerOf(graph, task);
    const taskRole = graph.owner(task.inputs.taskRoleArn);
    if (taskRole === undefined || !sameOwner(ownerOf(graph, taskRole), owner)) {
      out.push(`${task.urn}: task role not of ${ownerLabel(owner)}`);
      continue;
    }
    const reachable = graph
      .ofType(T.policy)
      .filter((p) => graph.owner(p.inputs.role)?.urn === taskRole.urn)
      .flatMap((p) => graph.referencedIn(p.inputs.policy))
      .map((r) => r.type);
    const own = graph.resources.filter(
      (r) =>
        [T.table, T.key, T.bucket].includes(r.type as never) && sameOwner(ownerOf(graph, r), owner),
    );
    for (const r of own) {
      if (!reachable.includes(r.type))
        out.push(`${task.urn}: task role cannot reach its own ${r.urn}`);
    }
  }
  for (const key of graph.ofType(T.key)) {
    const owner = ownerOf(graph, key);
    for (const statement of statementsOf(key.inputs.policy)) {
      for (const principal of graph.referencedIn(statement.Principal)) {
        if (!sameOwner(ownerOf(graph, principal), owner))
          out.push(`${key.urn}: admits ${principal.urn}`);
      }
    }
  }
  return out;
}

/** Invariant 3: URNs whose inputs differ between two runs. */
export function changedUrns(before: ResourceGraph, after: ResourceGraph): string[] {
  const prior = new Map(before.resources.map((r) => [r.urn, JSON.stringify(r.inputs)]));
  const changed = after.resources
    .filter((r) => prior.get(r.urn) !== JSON.stringify(r.inputs))
    .map((r) => r.urn);
  const removed = before.resources.filter((r) => after.get(r.urn) === undefined).map((r) => r.urn);
  return [...changed, ...removed];
}

export interface RoutingCohort {
  name: string;
  ingress: "shared" | "dedicated";
  match: { hosts?: string[]; header?: string };
}

function forwardTargets(graph: ResourceGraph, actions: unknown): RecordedResource[] {
  return graph.referencedIn(actions).filter((r) => r.type === T.tg);
}

interface RuleMatch {
  urn: string;
  priority: number;
  hosts: string[] | undefined;
  header: string | undefined;
}

function ruleMatch(rule: RecordedResource): RuleMatch {
  const conditions = (rule.inputs.conditions ?? []) as {
    hostHeader?: { values?: string[] };
    httpHeader?: { values?: string[] };
  }[];
  const hosts = conditions.find((c) => c.hostHeader !== undefined)?.hostHeader?.values;
  const header = conditions.find((c) => c.httpHeader !== undefined)?.httpHeader?.values?.[0];
  return { urn: rule.urn, priority: Number(rule.inputs.priority), hosts, header };
}

/** ALB host matching: case-insensitive, `*` any run of characters, `?` one character. */
function hostCovers(pattern: string, host: string): boolean {
  const source = pattern
    .toLowerCase()
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replaceAll("*", ".*")
    .replaceAll("?", ".");
  return new RegExp(`^${source}$`).test(host.toLowerCase());
}

/**
 * The ALB sends a request to the first rule (lowest priority) that matches. A
 * rule evaluated before another one must not match any request the other is
 * declared for (same header, or none, and a host that covers one of its hosts).
 */
function shadowViolations(rules: readonly RecordedResource[]): string[] {
  const out: string[] = [];
  const matches = rules.map(ruleMatch).sort((a, b) => a.priority - b.priority);
  matches.forEach((later, i) => {
    for (const first of matches.slice(0, i)) {
      const headerCovered =
        first.header === undefined ||
        (later.header !== undefined && first.header.toLowerCase() === later.header.toLowerCase());
      const firstHosts = first.hosts;
      const hostCovered =
        firstHosts === undefined ||
        (later.hosts ?? []).some((h) => firstHosts.some((p) => hostCovers(p, h)));
      const hostsComparable = firstHosts === undefined || later.hosts !== undefined;
      if (headerCovered && hostCovered && hostsComparable)
        out.push(`${later.urn}: requests it matches reach ${first.urn} first`);
    }
  });
  return out;
}

/** Invariant 4: each rule forwards only to its own cohort's target group; the default route to none. */
export function routingViolations(
  graph: ResourceGraph,
  cohorts: readonly RoutingCohort[],
  headerName: string,
): string[] {
  const out: string[] = [];
  const byName = new Map(cohorts.map((c) => [c.name, c]));
  for (const listener of graph.ofType(T.listener)) {
    const owner = ownerOf(graph, listener);
    const targets = forwardTargets(graph, listener.inputs.defaultActions);
    if (owner.kind === "ingress") {
      if (targets.length > 0)
        out.push(
          `${listener.urn}: shared default action forwards to ${targets.map((t) => t.urn).join(", ")}`,
        );
      const actions = listener.inputs.defaultActions as
        { type?: string; fixedResponse?: { statusCode?: string } }[] | undefined;
      if (
        actions === undefined ||
        actions.length === 0 ||
        !actions.every((a) => a.type === "fixed-response" && a.fixedResponse?.statusCode === "404")
      )
        out.push(`${listener.urn}: default action is not a fixed 404 response`);
    } else if (owner.kind === "cohort") {
      if (targets.length === 0 || targets.some((t) => !sameOwner(ownerOf(graph, t), owner))) {
        out.push(`${listener.urn}: dedicated listener must forward only to its own cohort`);
      }
    }
  }
  const seenMatches = new Map<string, string>();
  const rulesPer = new Map<string, number>();
  out.push(...shadowViolations(graph.ofType(T.rule)));
  for (const rule of graph.ofType(T.rule)) {
    const owner = ownerOf(graph, rule);
    if (owner.kind !== "cohort") {
      out.push(`${rule.urn}: a listener rule outside a cohort`);
      continue;
    }
    rulesPer.set(owner.cohort, (rulesPer.get(owner.cohort) ?? 0) + 1);
    const targets = forwardTargets(graph, rule.inputs.actions);
    if (targets.length === 0) out.push(`${rule.urn}: forwards to no target group`);
    for (const t of targets) {
      if (!sameOwner(ownerOf(graph, t), owner))
        out.push(`${rule.urn} (cohort ${owner.cohort}) forwards to ${t.urn}`);
    }
    const listener = graph.owner(rule.inputs.listenerArn);
    if (listener === undefined || ownerOf(graph, listener).kind !== "ingress") {
      out.push(`${rule.urn}: not attached to the shared edge listener`);
    }
    const conditions = (rule.inputs.conditions ?? []) as {
      hostHeader?: { values?: string[] };
      httpHeader?: { httpHeaderName?: string; values?: string[] };
    }[];
    const hosts = conditions.flatMap((c) => c.hostHeader?.values ?? []).sort();
    const headers = conditions.filter((c) => c.httpHeader !== undefined);
    const headerValues = headers.flatMap((c) => c.httpHeader?.values ?? []);
    const spec = byName.get(owner.cohort);
    if (spec === undefined) {
      out.push(`${rule.urn}: cohort ${owner.cohort} is not defined`);
      continue;
    }
    if (JSON.stringify(hosts) !== JSON.stringify([...(spec.match.hosts ?? [])].sort())) {
      out.push(
        `${rule.urn}: hosts ${JSON.stringify(hosts)} differ from cohort ${owner.cohort}'s match`,
      );
    }
    if (
      JSON.stringify(headerValues) !==
      JSON.stringify(spec.match.header === undefined ? [] : [spec.match.header])
    ) {
      out.push(
        `${rule.urn}: header values ${JSON.stringify(headerValues)} differ from cohort ${owner.cohort}'s`,
      );
    }
    if (headers.some((h) => h.httpHeader?.httpHeaderName !== headerName))
      out.push(`${rule.urn}: wrong header name`);
    if (headerValues.some((v) => v.includes("*") || v.includes("?")))
      out.push(`${rule.urn}: wildcard header value`);
    const key = `${hosts.join(",")}|${headerValues.join(",")}`;
    const prior = seenMatches.get(key);
    if (prior !== undefined) out.push(`${rule.urn}: same match as ${prior}`);
    seenMatches.set(key, rule.urn);
  }
  const ownedCohorts = new Set(
    graph.resources
      .map((r) => ownerOf(graph, r))
      .flatMap((o) => (o.kind === "cohort" ? [o.cohort] : [])),
  );
  for (const c of ownedCohorts) {
    const spec = byName.get(c);
    const expected = spec?.ingress === "dedicated" ? 0 : 1;
    if ((rulesPer.get(c) ?? 0) !== expected)
      out.push(`cohort ${c}: ${rulesPer.get(c) ?? 0} rules, expected ${expected}`);
  }
  for (const service of graph.ofType(T.service)) {
    const owner = ownerOf(graph, service);
    for (const ref of graph.referencedIn([service.inputs.loadBalancers, service.inputs.cluster])) {
      if (!sameOwner(ownerOf(graph, ref), owner)) out.push(`${service.urn}: wired into ${ref.urn}`);
    }
  }
  return out;
}

/** Invariant 5: every cohort has alarms on its own target group and load balancer, exported by name. */
export function alarmViolations(
  graph: ResourceGraph,
  exported: Record<string, CohortOutput>,
  cohorts: readonly RoutingCohort[],
): string[] {
  const out: string[] = [];
  const dedicated = new Set(cohorts.filter((c) => c.ingress === "dedicated").map((c) => c.name));
  for (const [cohort, output] of Object.entries(exported)) {
    const owner: Owner = { kind: "cohort", cohort };
    const alarms = graph.ofType(T.alarm).filter((a) => sameOwner(ownerOf(graph, a), owner));
    const composites = graph.ofType(T.composite).filter((a) => sameOwner(ownerOf(graph, a), owner));
    if (alarms.length < 4)
      out.push(`cohort ${cohort}: ${alarms.length} metric alarms, expected at least 4`);
    if (composites.length !== 1)
      out.push(`cohort ${cohort}: ${composites.length} composite alarms, expected 1`);
    const names = alarms.map((a) => String(a.inputs.name));
    for (const alarm of alarms) {
      const queries = (alarm.inputs.metricQueries ?? []) as { metric?: { dimensions?: unknown } }[];
      const dimensionSets = [
        alarm.inputs.dimensions,
        ...queries.map((q) => q.metric?.dimensions),
      ].filter((d) => d !== undefined) as Record<string, string>[];
      if (dimensionSets.length === 0) out.push(`${alarm.urn}: no dimensions`);
      for (const dims of dimensionSets) {
        const tg = graph.owner(dims.TargetGroup);
        const lb = graph.owner(dims.LoadBalancer);
        if (
          tg?.type !== T.tg ||
          !sameOwner(ownerOf(graph, tg), owner) ||
          !String(dims.TargetGroup).startsWith("sfx:")
        ) {
          out.push(
            `${alarm.urn}: TargetGroup dimension is not cohort ${cohort}'s target group suffix`,
          );
        }
        const lbOwner: Owner = dedicated.has(cohort) ? owner : { kind: "ingress" };
        if (
          lb?.type !== T.lb ||
          !sameOwner(ownerOf(graph, lb), lbOwner) ||
          !String(dims.LoadBalancer).startsWith("sfx:")
        ) {
          out.push(
            `${alarm.urn}: LoadBalancer dimension is not the load balancer in front of cohort ${cohort}`,
          );
        }
      }
    }
    const noHealthy = alarms.find((a) => a.inputs.metricName === "HealthyHostCount");
    if (noHealthy?.inputs.treatMissingData !== "breaching")
      out.push(`cohort ${cohort}: no-healthy-hosts alarm must treat missing data as breaching`);
    for (const composite of composites) {
      const rule = String(composite.inputs.alarmRule);
      const referenced = [...rule.matchAll(/ALARM\("([^"]+)"\)/g)].map((m) => m[1]);
      if (JSON.stringify([...referenced].sort()) !== JSON.stringify([...names].sort())) {
        out.push(`${composite.urn}: rule ${rule} is not exactly cohort ${cohort}'s alarms`);
      }
      if (output.compositeAlarmName !== composite.inputs.alarmName)
        out.push(`cohort ${cohort}: exported composite name differs`);
    }
    const expectedNames = [...names, ...composites.map((c) => String(c.inputs.alarmName))].sort();
    if (JSON.stringify([...output.alarmNames].sort()) !== JSON.stringify(expectedNames)) {
      out.push(
        `cohort ${cohort}: exported alarmNames ${JSON.stringify(output.alarmNames)} differ from its alarms`,
      );
    }
    for (const service of graph
      .ofType(T.service)
      .filter((s) => sameOwner(ownerOf(graph, s), owner))) {
      const gate = service.inputs.alarms as
        { alarmNames?: string[]; enable?: boolean; rollback?: boolean } | undefined;
      // ECS fails a deployment on the cohort's alarms, but the rollout is the one rollback
      // authority: an ECS rollback would leave the stack and the ledger naming a release the
      // cohort no longer runs.
      if (gate?.enable !== true) out.push(`${service.urn}: ECS does not watch the cohort's alarms`);
      if (gate?.rollback !== false) out.push(`${service.urn}: ECS alarm rollback is on`);
      const breaker = service.inputs.deploymentCircuitBreaker as
        { enable?: boolean; rollback?: boolean } | undefined;
      if (breaker?.enable !== true || breaker.rollback !== false)
        out.push(`${service.urn}: the circuit breaker must fail deployments, not roll them back`);
      for (const n of gate?.alarmNames ?? [])
        if (!names.includes(n)) out.push(`${service.urn}: watches foreign alarm ${n}`);
    }
  }
  return out;
}

/** All five invariants plus URN uniqueness, for one graph. */
export function allViolations(
  graph: ResourceGraph,
  args: {
    environment: string;
    headerName: string;
    cohorts: readonly RoutingCohort[];
    owned: readonly string[];
    exported: Record<string, CohortOutput>;
  },
): string[] {
  return [
    ...graph.duplicateUrns().map((u) => `duplicate URN ${u}`),
    ...ownershipViolations(
      graph,
      args.owned,
      args.environment,
      args.cohorts.map((c) => c.name),
    ),
    ...iamViolations(graph),
    ...routingViolations(graph, args.cohorts, args.headerName),
    ...alarmViolations(graph, args.exported, args.cohorts),
  ];
}
