/**
 * Negative controls: the Kubernetes invariant checks fail on graphs that break an invariant,
 * or the green property runs would mean nothing. Each case tampers with one recorded input of
 * a real recorded graph (three cohorts, one with a volume, AWS storage).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ResourceGraph, type RecordedResource } from "../component/support/graph-recorder.js";
import { iamViolations } from "../component/support/invariants.js";
import { KUBERNETES, kubernetesArgs } from "./support/args.js";
import { allKubernetesViolations } from "./support/invariants.js";
import { runKubernetes, type KubernetesRun } from "./support/run.js";

let run: KubernetesRun;
const cohorts = [
  { name: "free", match: { header: "free" } },
  { name: "pro", match: { header: "pro" } },
  { name: "enterprise", match: { header: "enterprise" } },
];

beforeAll(async () => {
  run = await runKubernetes(
    kubernetesArgs({
      kubernetes: {
        ...KUBERNETES,
        cloudStorage: "aws",
        volumes: { pro: { storageClassName: "ebs-pro" } },
      },
    }),
  );
});

type Spec = Record<string, unknown> & {
  template: { spec: Record<string, unknown> & { volumes?: unknown[] } };
};

function tampered(edit: (byName: (name: string) => RecordedResource) => void): ResourceGraph {
  const copy = structuredClone<RecordedResource[]>([...run.graph.resources]);
  edit((name) => {
    const r = copy.find((x) => x.name === name);
    if (r === undefined) throw new Error(`no resource ${name}`);
    return r;
  });
  return new ResourceGraph(copy);
}

function violations(graph: ResourceGraph): string {
  return [
    ...allKubernetesViolations(graph, {
      environment: "test",
      headerName: "x-customer-cohort",
      gatewayNamespace: "gateway-system",
      clusterCidrs: KUBERNETES.clusterCidrs,
      cohorts,
      exported: run.cohorts,
    }),
    ...iamViolations(graph),
  ].join("\n");
}

const spec = (r: RecordedResource) => r.inputs.spec as Record<string, unknown>;

describe("the Kubernetes invariant checks catch", () => {
  it("nothing on the untouched graph (the control)", () => {
    expect(violations(run.graph)).toBe("");
  });

  it("a workload in another cohort's namespace", () => {
    const g = tampered((r) => {
      (r("service-free-deployment").inputs.metadata as Record<string, unknown>).namespace =
        "cohort-pro";
    });
    expect(violations(g)).toMatch(/service-free-deployment: (in namespace cohort-pro|workload)/);
  });

  it("a hostPath volume and a claim that is not the workload's own", () => {
    const g = tampered((r) => {
      const s = spec(r("service-pro-statefulset")) as Spec;
      s.template.spec.volumes = [
        { name: "host", hostPath: { path: "/var" } },
        { name: "other", persistentVolumeClaim: { claimName: "data-app-0" } },
      ];
    });
    expect(violations(g)).toMatch(/hostPath volume/);
    expect(violations(g)).toMatch(/mounts claim "data-app-0"/);
  });

  it("a missing default-deny policy", () => {
    const g = tampered((r) => {
      spec(r("service-enterprise-default-deny")).policyTypes = ["Ingress"];
    });
    expect(violations(g)).toMatch(/cohort-enterprise: no default-deny NetworkPolicy/);
  });

  it("an allow-list admitting another cohort's namespace, or the metadata address", () => {
    const g = tampered((r) => {
      const allow = spec(r("service-free-allow")) as { ingress: { from: unknown[] }[] };
      allow.ingress[1] = {
        from: [
          { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "cohort-pro" } } },
        ],
      };
      const egress = (
        spec(r("service-pro-allow")) as { egress: { to: { ipBlock?: { except: string[] } }[] }[] }
      ).egress;
      const block = egress.flatMap((e) => e.to).find((p) => p.ipBlock !== undefined);
      if (block?.ipBlock) block.ipBlock.except = ["10.0.0.0/16", "172.20.0.0/16"];
    });
    expect(violations(g)).toMatch(/service-free-allow: admits namespace cohort-pro/);
    expect(violations(g)).toMatch(
      /service-pro-allow: ipBlock does not exclude 169.254.169.254\/32/,
    );
  });

  it("a quota allowing LoadBalancer Services, and a NodePort Service", () => {
    const g = tampered((r) => {
      delete (spec(r("service-pro-quota")).hard as Record<string, unknown>)[
        "services.loadbalancers"
      ];
      spec(r("service-free-service")).type = "NodePort";
    });
    expect(violations(g)).toMatch(/cohort-pro: no quota forbidding/);
    expect(violations(g)).toMatch(/Service of type NodePort/);
  });

  it("a route whose backend is in another namespace, or matches another cohort's header", () => {
    const g = tampered((r) => {
      const rules = spec(r("service-free-route")).rules as {
        backendRefs: Record<string, unknown>[];
        matches: { headers: Record<string, unknown>[] }[];
      }[];
      const first = rules[0];
      if (first?.backendRefs[0]) first.backendRefs[0].namespace = "cohort-pro";
      const pro = spec(r("service-pro-route")).rules as typeof rules;
      const header = pro[0]?.matches[0]?.headers[0];
      if (header) header.value = "enterprise";
    });
    expect(violations(g)).toMatch(/service-free-route: backend in namespace "cohort-pro"/);
    expect(violations(g)).toMatch(/service-pro-route: header match/);
  });

  it("a pod role policy reaching another cohort's table", () => {
    const g = tampered((r) => {
      const free = r("service-free-pod-policy");
      const pro = r("service-pro-pod-policy");
      free.inputs.policy = pro.inputs.policy;
    });
    expect(violations(g)).toMatch(
      /service-free-pod-policy \(cohort free\) reaches .*service-pro-table/,
    );
  });

  it("an alarm watching another cohort's namespace, and a composite missing an alarm", () => {
    const g = tampered((r) => {
      (r("service-free-restarts").inputs.dimensions as Record<string, unknown>).Namespace =
        "cohort-pro";
      r("service-pro-health").inputs.alarmRule = 'ALARM("cohort-test-pro-restarts")';
    });
    expect(violations(g)).toMatch(/service-free-restarts: watches namespace cohort-pro/);
    expect(violations(g)).toMatch(
      /service-pro-health: does not watch cohort-test-pro-running-pods/,
    );
  });
});
