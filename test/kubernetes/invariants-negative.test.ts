/**
 * Negative controls: the Kubernetes invariant checks fail on graphs that break an invariant,
 * or the green property runs would mean nothing. Each case tampers with one recorded input of
 * a real recorded graph (three cohorts, one with a volume, AWS storage; and the same behind the
 * shared AWS load balancer).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ResourceGraph, type RecordedResource } from "../component/support/graph-recorder.js";
import { iamViolations } from "../component/support/invariants.js";
import { KUBERNETES, kubernetesArgs, LOAD_BALANCER } from "./support/args.js";
import { allKubernetesViolations } from "./support/invariants.js";
import { runKubernetes, type KubernetesRun } from "./support/run.js";

let run: KubernetesRun;
/** The same environment behind the shared AWS load balancer. */
let behind: KubernetesRun;
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
  behind = await runKubernetes(
    kubernetesArgs({ kubernetes: { ...KUBERNETES, loadBalancer: LOAD_BALANCER } }),
  );
});

type Spec = Record<string, unknown> & {
  template: { spec: Record<string, unknown> & { volumes?: unknown[] } };
};

function tampered(
  edit: (byName: (name: string) => RecordedResource) => void,
  from: () => KubernetesRun = () => run,
): ResourceGraph {
  const copy = structuredClone<RecordedResource[]>([...from().graph.resources]);
  edit((name) => {
    const r = copy.find((x) => x.name === name);
    if (r === undefined) throw new Error(`no resource ${name}`);
    return r;
  });
  return new ResourceGraph(copy);
}

function violations(graph: ResourceGraph, loadBalancer = false): string {
  return [
    ...allKubernetesViolations(graph, {
      environment: "test",
      headerName: "x-customer-cohort",
      gatewayNamespace: "gateway-system",
      clusterCidrs: KUBERNETES.clusterCidrs,
      cohorts,
      exported: (loadBalancer ? behind : run).cohorts,
      ...(loadBalancer ? { loadBalancer: { ...LOAD_BALANCER, containerPort: 8080 } } : {}),
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
      /service-pro-health: watches \["cohort-test-pro-restarts"\], not \["cohort-test-pro-restarts","cohort-test-pro-running-pods"\]/,
    );
  });
});

describe("behind the shared AWS load balancer, the checks catch", () => {
  const lbViolations = (edit: Parameters<typeof tampered>[0]) =>
    violations(
      tampered(edit, () => behind),
      true,
    );
  const tgArn = (cohort: string) =>
    behind.graph.resources.find((r) => r.name === `service-${cohort}-tg`)?.outputs.arn;

  it("nothing on the untouched graph (the control), which has what the checks look at", () => {
    expect(violations(behind.graph, true)).toBe("");
    expect(behind.graph.ofType("kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding")).toHaveLength(
      3,
    );
    expect(behind.cohorts.free?.alarmNames).toEqual([
      "cohort-test-free-running-pods",
      "cohort-test-free-restarts",
      "cohort-test-free-error-rate",
      "cohort-test-free-latency-p99",
      "cohort-test-free-unhealthy-hosts",
      "cohort-test-free-no-healthy-hosts",
      "cohort-test-free-health",
    ]);
  });

  it("the load balancer's configuration missing from the expectation", () => {
    expect(violations(behind.graph)).toMatch(/no load balancer is configured/);
  });

  it("a binding to another cohort's target group, and one to another namespace's Service", () => {
    const g = lbViolations((r) => {
      spec(r("service-free-target-group-binding")).targetGroupARN = tgArn("pro");
      (spec(r("service-enterprise-target-group-binding")).serviceRef as { name: string }).name =
        "other";
    });
    expect(g).toMatch(/service-free-target-group-binding: binds target group .*, not its cohort's/);
    expect(g).toMatch(
      /service-pro-target-group-binding: binds the target group .*service-free-target-group-binding binds too/,
    );
    expect(g).toMatch(
      /service-enterprise-target-group-binding: binds other, not its cohort's Service/,
    );
  });

  it("a listener rule forwarding to another cohort's target group, or matching another header", () => {
    const g = lbViolations((r) => {
      const rule = r("service-pro-rule").inputs;
      (rule.actions as { targetGroupArn: unknown }[])[0] = {
        ...(rule.actions as object[])[0],
        targetGroupArn: tgArn("free"),
      };
      const conditions = r("service-free-rule").inputs.conditions as {
        httpHeader: { values: string[] };
      }[];
      if (conditions[0]) conditions[0].httpHeader.values = ["pro"];
    });
    expect(g).toMatch(/service-pro-rule: forwards to .*service-free-tg/);
    expect(g).toMatch(/service-free-rule: conditions/);
  });

  it("an ALB alarm on another cohort's target group, and a composite without the ALB alarms", () => {
    const g = lbViolations((r) => {
      const dims = r("service-free-latency-p99").inputs.dimensions as Record<string, unknown>;
      dims.TargetGroup = behind.graph.resources.find((x) => x.name === "service-pro-tg")?.outputs
        .arnSuffix;
      r("service-pro-health").inputs.alarmRule =
        'ALARM("cohort-test-pro-running-pods") OR ALARM("cohort-test-pro-restarts")';
    });
    expect(g).toMatch(/service-free-latency-p99: watches target group sfx:/);
    expect(g).toMatch(/service-pro-health: watches .*, not .*cohort-test-pro-error-rate/);
  });

  it("an allow-list admitting the cluster's range, or the subnets on every port", () => {
    const g = lbViolations((r) => {
      const free = spec(r("service-free-allow")) as { ingress: Record<string, unknown>[] };
      free.ingress[2] = {
        from: [{ ipBlock: { cidr: "10.0.0.0/16" } }],
        ports: [{ protocol: "TCP", port: 8080 }],
      };
      const pro = spec(r("service-pro-allow")) as { ingress: Record<string, unknown>[] };
      const entry = pro.ingress[2];
      if (entry) delete entry.ports;
    });
    expect(g).toMatch(/service-free-allow: admits 10.0.0.0\/16, not a load balancer subnet/);
    expect(g).toMatch(/service-pro-allow: admits the load balancer's subnets to \[\]/);
  });
});
