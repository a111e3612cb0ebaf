/**
 * DESIGN.md §5's five invariants on Kubernetes, as checks over a recorded resource graph (the
 * component tests' GraphRecorder). Each returns violations (empty = holds). Ownership comes
 * from the parent chain (the CohortStack or the Edge a resource lives under), never from the
 * object's own labels or namespace, so those are checked against something independent.
 */
import type { CohortOutput } from "../../../components/contract.js";
import { METADATA_CIDR } from "../../../components/kubernetes/isolation.js";
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
} as const;

export interface KubernetesExpectation {
  environment: string;
  headerName: string;
  gatewayNamespace: string;
  clusterCidrs: readonly string[];
  cohorts: readonly { name: string; match: { hosts?: string[]; header?: string } }[];
  exported: Record<string, CohortOutput>;
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
    ...list(spec(p).ingress).map((r) => obj(r).from),
    ...list(spec(p).egress).map((r) => obj(r).to),
  ];
  for (const peers of rules) {
    if (list(peers).length === 0) out.push(`${p.urn}: a rule with no peers admits everything`);
    for (const peerValue of list(peers)) {
      const peer = obj(peerValue);
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
    for (const a of metrics) {
      const dims = obj(a.inputs.dimensions);
      if (dims.Namespace !== `cohort-${name}`)
        out.push(`${a.urn}: watches namespace ${String(dims.Namespace)}`);
    }
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
      for (const m of metrics) {
        if (!String(c.inputs.alarmRule).includes(`"${String(m.inputs.name)}"`))
          out.push(`${c.urn}: does not watch ${String(m.inputs.name)}`);
      }
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
    ...alarmViolations(graph, mine),
  ];
}
