/**
 * DESIGN.md §5's five invariants on Kubernetes, as checks over a recorded resource graph (the
 * component tests' GraphRecorder). Each returns violations (empty = holds). Ownership comes
 * from the parent chain (the CohortStack or the Edge a resource lives under), never from the
 * object's own labels or namespace, so those are checked against something independent.
 */
import type { CohortOutput } from "../../../components/contract.js";
import { METADATA_CIDR } from "../../../components/kubernetes/isolation.js";
import { cohortNames } from "../../../components/naming.js";
import type { RecordedResource, ResourceGraph } from "../../component/support/graph-recorder.js";
import { isInfrastructure, ownerOf, TAGGABLE } from "../../component/support/invariants.js";

export const K = {
  namespace: "kubernetes:core/v1:Namespace",
  policy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  quota: "kubernetes:core/v1:ResourceQuota",
  service: "kubernetes:core/v1:Service",
  deployment: "kubernetes:apps/v1:Deployment",
  statefulSet: "kubernetes:apps/v1:StatefulSet",
  route: "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
  gateway: "kubernetes:gateway.networking.k8s.io/v1:Gateway",
  referenceGrant: "kubernetes:gateway.networking.k8s.io/v1beta1:ReferenceGrant",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  composite: "aws:cloudwatch/compositeAlarm:CompositeAlarm",
  targetGroup: "aws:lb/targetGroup:TargetGroup",
  listenerRule: "aws:lb/listenerRule:ListenerRule",
  binding: "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding",
} as const;

/** The shared AWS load balancer in front of the cohorts, as the test configured it. */
export interface LoadBalancerExpectation {
  listenerArn: string;
  loadBalancerArnSuffix: string;
  sourceCidrs: readonly string[];
  /** The pods' port: the only port the load balancer's subnets may reach. */
  containerPort: number;
}

export interface KubernetesExpectation {
  environment: string;
  headerName: string;
  gatewayNamespace: string;
  clusterCidrs: readonly string[];
  cohorts: readonly { name: string; match: { hosts?: string[]; header?: string } }[];
  exported: Record<string, CohortOutput>;
  /** Set when the cohorts sit behind the shared AWS load balancer. */
  loadBalancer?: LoadBalancerExpectation;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === "object" && v !== null ? (v as Obj) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const metadata = (r: RecordedResource) => obj(r.inputs.metadata);
const spec = (r: RecordedResource) => obj(r.inputs.spec);

/** Invariant 1: every object belongs to one cohort (label and namespace) or to the ingress. */
export function ownershipViolations(graph: ResourceGraph, cohorts: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const r of graph.resources.filter(isInfrastructure)) {
    const owner = ownerOf(graph, r);
    if (owner.kind === "none") {
      out.push(`${r.urn}: belongs to no cohort and not to the ingress`);
      continue;
    }
    const isKube = r.type.startsWith("kubernetes:");
    // AWS resources that take no tags (aliases, inline policies) belong by their parent only.
    if (!isKube && !TAGGABLE.has(r.type) && r.inputs.tags === undefined) continue;
    const labels = isKube ? obj(metadata(r).labels) : obj(r.inputs.tags);
    if (owner.kind === "cohort") {
      seen.add(owner.cohort);
      if (labels.cohort !== owner.cohort)
        out.push(`${r.urn}: marker ${JSON.stringify(labels.cohort)}, expected ${owner.cohort}`);
      if (isKube) {
        const ns = r.type === K.namespace ? metadata(r).name : metadata(r).namespace;
        if (ns !== `cohort-${owner.cohort}`)
          out.push(`${r.urn}: in namespace ${String(ns)}, not cohort-${owner.cohort}`);
      }
    } else if (labels.cohort !== undefined || labels["cohort-ingress"] !== "shared") {
      out.push(`${r.urn}: ingress object marked ${JSON.stringify(labels)}`);
    }
  }
  const expected = [...cohorts].sort().join(",");
  const actual = [...seen].sort().join(",");
  if (expected !== actual) out.push(`cohorts with resources: [${actual}], expected [${expected}]`);
  return out;
}

function podSpecOf(r: RecordedResource): Obj {
  return obj(obj(spec(r).template).spec);
}

function isDefaultDeny(p: RecordedResource): boolean {
  const s = spec(p);
  const types = list(s.policyTypes);
  return (
    Object.keys(obj(s.podSelector)).length === 0 &&
    types.includes("Ingress") &&
    types.includes("Egress") &&
    list(s.ingress).length === 0 &&
    list(s.egress).length === 0
  );
}

/** The peers an allow-list policy admits, as violations when one reaches beyond its cohort. */
function peerViolations(p: RecordedResource, expect: KubernetesExpectation): string[] {
  const out: string[] = [];
  const rules = [
    ...list(spec(p).ingress).map((r) => ({ way: "ingress", rule: obj(r), peers: obj(r).from })),
    ...list(spec(p).egress).map((r) => ({ way: "egress", rule: obj(r), peers: obj(r).to })),
  ];
  for (const { way, rule, peers } of rules) {
    if (list(peers).length === 0) out.push(`${p.urn}: a rule with no peers admits everything`);
    for (const peerValue of list(peers)) {
      const peer = obj(peerValue);
      if (peer.ipBlock !== undefined && way === "ingress") {
        // Only the shared load balancer's subnets, and only to the pods' port.
        const lb = expect.loadBalancer;
        const cidr = obj(peer.ipBlock).cidr;
        const ports = list(rule.ports).map(obj);
        const onlyPodPort =
          ports.length === 1 &&
          ports[0]?.protocol === "TCP" &&
          ports[0]?.port === lb?.containerPort &&
          Object.keys(ports[0] ?? {}).length === 2;
        if (lb === undefined || !lb.sourceCidrs.includes(String(cidr)))
          out.push(`${p.urn}: admits ${String(cidr)}, not a load balancer subnet`);
        else if (!onlyPodPort)
          out.push(`${p.urn}: admits the load balancer's subnets to ${JSON.stringify(ports)}`);
        continue;
      }
      if (peer.ipBlock !== undefined) {
        const except = list(obj(peer.ipBlock).except);
        for (const cidr of [...expect.clusterCidrs, METADATA_CIDR]) {
          if (!except.includes(cidr)) out.push(`${p.urn}: ipBlock does not exclude ${cidr}`);
        }
        continue;
      }
      if (peer.namespaceSelector === undefined) continue; // same namespace only
      const labels = obj(obj(peer.namespaceSelector).matchLabels);
      const name = labels["kubernetes.io/metadata.name"];
      const expressions = list(obj(peer.namespaceSelector).matchExpressions);
      if (expressions.length > 0 || Object.keys(labels).length !== 1)
        out.push(`${p.urn}: a namespace selector other than one namespace by name`);
      else if (name !== expect.gatewayNamespace && name !== "kube-system")
        out.push(`${p.urn}: admits namespace ${String(name)}`);
    }
  }
  return out;
}

/**
 * Invariant 2: every cohort namespace denies by default both ways and allows only its own
 * namespace, the gateway, DNS and the outside world minus the cluster; workloads run in their
 * own namespace, mount no hostPath and no claim but their own templates'; quotas forbid
 * LoadBalancer and NodePort Services; no ReferenceGrant exists.
 */
export function isolationViolations(graph: ResourceGraph, expect: KubernetesExpectation): string[] {
  const out: string[] = [];
  for (const { name } of expect.cohorts) {
    const ns = `cohort-${name}`;
    const inNs = (type: string) => graph.ofType(type).filter((r) => metadata(r).namespace === ns);
    const policies = inNs(K.policy);
    if (!policies.some(isDefaultDeny)) out.push(`${ns}: no default-deny NetworkPolicy`);
    for (const p of policies) out.push(...peerViolations(p, expect));
    const hard = inNs(K.quota).map((q) => obj(spec(q).hard));
    if (!hard.some((h) => h["services.loadbalancers"] === "0" && h["services.nodeports"] === "0"))
      out.push(`${ns}: no quota forbidding LoadBalancer and NodePort Services`);
    const namespace = graph.ofType(K.namespace).find((n) => metadata(n).name === ns);
    if (
      obj(metadata(namespace ?? ({ inputs: {} } as RecordedResource)).labels)[
        "pod-security.kubernetes.io/enforce"
      ] !== "restricted"
    )
      out.push(`${ns}: pod security is not restricted`);
  }
  for (const w of graph.ofType(K.deployment, K.statefulSet)) {
    const owner = ownerOf(graph, w);
    if (owner.kind !== "cohort" || metadata(w).namespace !== `cohort-${owner.cohort}`)
      out.push(`${w.urn}: workload outside its cohort's namespace`);
    const claims = new Set(
      list(spec(w).volumeClaimTemplates).map((t) => obj(obj(t).metadata).name),
    );
    for (const v of list(podSpecOf(w).volumes)) {
      const volume = obj(v);
      if (volume.hostPath !== undefined) out.push(`${w.urn}: hostPath volume`);
      const claim = obj(volume.persistentVolumeClaim).claimName;
      if (claim !== undefined && !claims.has(claim))
        out.push(`${w.urn}: mounts claim ${JSON.stringify(claim)}`);
    }
    for (const c of list(podSpecOf(w).containers)) {
      for (const m of list(obj(c).volumeMounts)) {
        const name = obj(m).name;
        const declared = list(podSpecOf(w).volumes).some((v) => obj(v).name === name);
        if (!declared && !claims.has(name))
          out.push(`${w.urn}: mounts undeclared volume ${String(name)}`);
      }
    }
  }
  for (const s of graph.ofType(K.service)) {
    if (spec(s).type !== "ClusterIP") out.push(`${s.urn}: Service of type ${String(spec(s).type)}`);
  }
  for (const g of graph.resources.filter((r) => r.type.endsWith(":ReferenceGrant")))
    out.push(`${g.urn}: a ReferenceGrant`);
  return out;
}

/**
 * Invariant 4: each cohort's HTTPRoute lives in its namespace, attaches to the shared Gateway,
 * matches exactly its hosts and header, and sends only to a Service of its own namespace; the
 * Gateway itself forwards nowhere (no default backend exists in Gateway API).
 */
export function routingViolations(graph: ResourceGraph, expect: KubernetesExpectation): string[] {
  const out: string[] = [];
  const routes = graph.ofType(K.route);
  for (const c of expect.cohorts) {
    const ns = `cohort-${c.name}`;
    const own = routes.filter((r) => metadata(r).namespace === ns);
    if (own.length !== 1 || own[0] === undefined) {
      out.push(`${ns}: ${own.length} HTTPRoutes, expected 1`);
      continue;
    }
    const route = own[0];
    const s = spec(route);
    for (const parent of list(s.parentRefs)) {
      if (obj(parent).namespace !== expect.gatewayNamespace || obj(parent).kind !== "Gateway")
        out.push(`${route.urn}: attached to ${JSON.stringify(parent)}`);
    }
    const hostnames = s.hostnames as string[] | undefined;
    if (JSON.stringify(hostnames ?? null) !== JSON.stringify(c.match.hosts ?? null))
      out.push(
        `${route.urn}: hostnames ${JSON.stringify(hostnames)}, expected ${JSON.stringify(c.match.hosts)}`,
      );
    for (const ruleValue of list(s.rules)) {
      const rule = obj(ruleValue);
      for (const m of list(rule.matches)) {
        const headers = list(obj(m).headers).map((h) => {
          const { type, name, value } = obj(h);
          return { type, name, value };
        });
        const expected =
          c.match.header === undefined
            ? []
            : [{ type: "Exact", name: expect.headerName, value: c.match.header }];
        if (JSON.stringify(headers) !== JSON.stringify(expected))
          out.push(`${route.urn}: header match ${JSON.stringify(headers)}`);
      }
      for (const b of list(rule.backendRefs)) {
        const backend = obj(b);
        if (backend.namespace !== undefined && backend.namespace !== ns)
          out.push(`${route.urn}: backend in namespace ${JSON.stringify(backend.namespace)}`);
        const target = graph
          .ofType(K.service)
          .find((svc) => metadata(svc).namespace === ns && metadata(svc).name === backend.name);
        if (target === undefined)
          out.push(`${route.urn}: backend ${String(backend.name)} is not its cohort's Service`);
      }
    }
  }
  for (const route of routes) {
    const ns = metadata(route).namespace;
    if (!expect.cohorts.some((c) => `cohort-${c.name}` === ns))
      out.push(`${route.urn}: route in namespace ${String(ns)}`);
  }
  return out;
}

const ownedBy = (graph: ResourceGraph, r: RecordedResource, cohort: string) => {
  const o = ownerOf(graph, r);
  return o.kind === "cohort" && o.cohort === cohort;
};

/**
 * Invariant 4 behind the shared AWS load balancer: each cohort has one target group of its
 * own (its AWS name), one listener rule on the configured listener matching exactly its hosts
 * and header and forwarding only to that target group, and one TargetGroupBinding in its
 * namespace binding its own Service to that target group; no target group is bound twice.
 */
export function loadBalancerViolations(
  graph: ResourceGraph,
  expect: KubernetesExpectation,
): string[] {
  const out: string[] = [];
  const lb = expect.loadBalancer;
  const bindings = graph.ofType(K.binding);
  if (lb === undefined) {
    for (const r of [...bindings, ...graph.ofType(K.targetGroup, K.listenerRule)])
      out.push(`${r.urn}: no load balancer is configured`);
    return out;
  }
  for (const c of expect.cohorts) {
    const ns = `cohort-${c.name}`;
    const groups = graph.ofType(K.targetGroup).filter((r) => ownedBy(graph, r, c.name));
    const rules = graph.ofType(K.listenerRule).filter((r) => ownedBy(graph, r, c.name));
    const own = bindings.filter((b) => metadata(b).namespace === ns);
    const group = groups[0];
    if (groups.length !== 1 || group === undefined) {
      out.push(`cohort ${c.name}: ${groups.length} target groups, expected 1`);
      continue;
    }
    if (group.inputs.name !== cohortNames(expect.environment, c.name).targetGroup)
      out.push(`${group.urn}: named ${String(group.inputs.name)}`);
    if (group.inputs.targetType !== "ip") out.push(`${group.urn}: target type is not ip`);
    if (rules.length !== 1) out.push(`cohort ${c.name}: ${rules.length} listener rules`);
    for (const rule of rules) {
      if (rule.inputs.listenerArn !== lb.listenerArn)
        out.push(`${rule.urn}: on listener ${String(rule.inputs.listenerArn)}`);
      const targets = list(rule.inputs.actions).map((a) => graph.owner(obj(a).targetGroupArn));
      if (targets.length !== 1 || targets[0] !== group)
        out.push(`${rule.urn}: forwards to ${targets.map((t) => t?.urn ?? "?").join(", ")}`);
      const expected = [
        ...(c.match.hosts !== undefined ? [{ hostHeader: { values: c.match.hosts } }] : []),
        ...(c.match.header !== undefined
          ? [{ httpHeader: { httpHeaderName: expect.headerName, values: [c.match.header] } }]
          : []),
      ];
      if (JSON.stringify(rule.inputs.conditions) !== JSON.stringify(expected))
        out.push(`${rule.urn}: conditions ${JSON.stringify(rule.inputs.conditions)}`);
    }
    if (own.length !== 1) out.push(`${ns}: ${own.length} TargetGroupBindings, expected 1`);
    for (const b of own) {
      const s = spec(b);
      const service = obj(s.serviceRef);
      const target = graph
        .ofType(K.service)
        .find((svc) => metadata(svc).namespace === ns && metadata(svc).name === service.name);
      if (target === undefined || !ownedBy(graph, target, c.name))
        out.push(`${b.urn}: binds ${String(service.name)}, not its cohort's Service`);
      else if (!list(spec(target).ports).some((p) => obj(p).port === service.port))
        out.push(`${b.urn}: binds port ${String(service.port)}, which the Service lacks`);
      if (graph.owner(s.targetGroupARN) !== group)
        out.push(`${b.urn}: binds target group ${String(s.targetGroupARN)}, not its cohort's`);
      if (s.targetType !== "ip") out.push(`${b.urn}: target type ${String(s.targetType)}`);
    }
  }
  const bound = new Map<string, string>();
  for (const b of bindings) {
    const arn = String(spec(b).targetGroupARN);
    const first = bound.get(arn);
    if (first !== undefined) out.push(`${b.urn}: binds the target group ${first} binds too`);
    bound.set(arn, b.urn);
  }
  return out;
}

/** Invariant 5: each cohort's alarms watch its own namespace, with a composite, all exported. */
export function alarmViolations(graph: ResourceGraph, expect: KubernetesExpectation): string[] {
  const out: string[] = [];
  for (const { name } of expect.cohorts) {
    const owned = (type: string) =>
      graph.ofType(type).filter((a) => {
        const o = ownerOf(graph, a);
        return o.kind === "cohort" && o.cohort === name;
      });
    const metrics = owned(K.alarm);
    const composites = owned(K.composite);
    if (metrics.length === 0) out.push(`cohort ${name}: no metric alarm`);
    const group = graph.ofType(K.targetGroup).find((g) => ownedBy(graph, g, name));
    let onLoadBalancer = 0;
    for (const a of metrics) {
      const queries = list(a.inputs.metricQueries).map((q) => obj(obj(q).metric).dimensions);
      const dimensionSets = [a.inputs.dimensions, ...queries].filter((d) => d !== undefined);
      const alb = dimensionSets.some((d) => obj(d).TargetGroup !== undefined);
      if (!alb) {
        const dims = obj(a.inputs.dimensions);
        if (dims.Namespace !== `cohort-${name}`)
          out.push(`${a.urn}: watches namespace ${String(dims.Namespace)}`);
        continue;
      }
      onLoadBalancer++;
      // An ALB alarm watches its own cohort's target group on the configured load balancer.
      for (const d of dimensionSets) {
        const dims = obj(d);
        if (group === undefined || graph.owner(dims.TargetGroup) !== group)
          out.push(`${a.urn}: watches target group ${String(dims.TargetGroup)}`);
        if (dims.LoadBalancer !== expect.loadBalancer?.loadBalancerArnSuffix)
          out.push(`${a.urn}: watches load balancer ${String(dims.LoadBalancer)}`);
      }
    }
    const expectedOnLoadBalancer = expect.loadBalancer !== undefined ? 4 : 0;
    if (onLoadBalancer !== expectedOnLoadBalancer)
      out.push(`cohort ${name}: ${onLoadBalancer} ALB alarms, expected ${expectedOnLoadBalancer}`);
    if (composites.length !== 1) out.push(`cohort ${name}: ${composites.length} composite alarms`);
    const exported = expect.exported[name];
    const created = [
      ...metrics.map((a) => a.inputs.name),
      ...composites.map((a) => a.inputs.alarmName),
    ];
    if (exported === undefined) out.push(`cohort ${name}: not exported`);
    else if (
      JSON.stringify([...exported.alarmNames].sort()) !== JSON.stringify([...created].sort())
    )
      out.push(
        `cohort ${name}: exports ${JSON.stringify(exported.alarmNames)}, created ${JSON.stringify(created)}`,
      );
    for (const c of composites) {
      // Exactly the cohort's own metric alarms: all of them, and no other cohort's.
      const rule = String(c.inputs.alarmRule);
      const referenced = [...rule.matchAll(/ALARM\("([^"]+)"\)/g)].map((m) => m[1]).sort();
      const own = metrics.map((m) => String(m.inputs.name)).sort();
      if (JSON.stringify(referenced) !== JSON.stringify(own))
        out.push(`${c.urn}: watches ${JSON.stringify(referenced)}, not ${JSON.stringify(own)}`);
    }
  }
  return out;
}

export function allKubernetesViolations(
  graph: ResourceGraph,
  expect: KubernetesExpectation,
  owned: readonly string[] = expect.cohorts.map((c) => c.name),
): string[] {
  const mine = { ...expect, cohorts: expect.cohorts.filter((c) => owned.includes(c.name)) };
  return [
    ...ownershipViolations(graph, owned),
    ...isolationViolations(graph, mine),
    ...routingViolations(graph, mine),
    ...loadBalancerViolations(graph, mine),
    ...alarmViolations(graph, mine),
  ];
}
