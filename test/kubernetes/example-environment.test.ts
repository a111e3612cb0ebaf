/**
 * The Kubernetes example environment (stacks/environments/examples/kubernetes.yaml), which
 * `npm run demo:k8s` and test/kubernetes/rollout-e2e.test.ts deploy for real, is valid as a
 * whole and, built under mocks, gives each cohort its own namespace with default-deny walls, a
 * Deployment on its pin, and an HTTPRoute on the shared Gateway; with `alarms: external` it
 * declares no AWS resource at all (the demo has no AWS provider plugin) yet exports the same
 * alarm names the component would create.
 */
import { describe, expect, it } from "vitest";
import type { CohortSegmentedServiceArgs } from "../../components/args.js";
import type { KubernetesArgs } from "../../components/kubernetes/args.js";
import type { EnvironmentSpecInput } from "../../components/spec.js";
import { loadEnvironmentFile } from "../../stacks/environment.js";
import { KUBERNETES_EXAMPLE, KUBERNETES_EXAMPLES_DIR } from "../../scripts/demo-k8s/example.js";
import { pin } from "../component/support/args.js";
import { runKubernetes } from "./support/run.js";

function exampleArgs(alarms?: "component"): CohortSegmentedServiceArgs {
  // The file holds the program's inputs (scripts/demo-k8s/program.ts); the test adds pins.
  const file = loadEnvironmentFile(KUBERNETES_EXAMPLE, KUBERNETES_EXAMPLES_DIR) as {
    environment: EnvironmentSpecInput;
    kubernetes: KubernetesArgs;
  };
  return {
    environment: file.environment,
    kubernetes: alarms === undefined ? file.kubernetes : { ...file.kubernetes, alarms },
    part: "all",
    pins: { free: pin(), pro: pin() },
  };
}

describe("examples/kubernetes.yaml", () => {
  it("builds each cohort walled in its own namespace, routed on the shared Gateway, with no AWS resource", async () => {
    const run = await runKubernetes(exampleArgs(), "kube");
    const { graph } = run;
    expect(graph.resources.filter((r) => r.custom && r.type.startsWith("aws:"))).toEqual([]);

    const namespaces = graph.ofType("kubernetes:core/v1:Namespace").map((r) => r.inputs);
    expect(namespaces.map((n) => (n.metadata as { name: string }).name).sort()).toEqual([
      "cohort-free",
      "cohort-pro",
      "gateway-system",
    ]);
    for (const cohort of ["free", "pro"]) {
      const ns = `cohort-${cohort}`;
      const inNs = (type: string) =>
        graph
          .ofType(type)
          .map((r) => r.inputs)
          .filter((i) => (i.metadata as { namespace?: string }).namespace === ns);
      const deployments = inNs("kubernetes:apps/v1:Deployment");
      expect(deployments).toHaveLength(1);
      expect(JSON.stringify(deployments[0])).toContain(
        '"image":"public.ecr.aws/nginx/nginx:1.0.0"',
      );
      // Default deny in both directions, beside the allow-lists.
      const policies = inNs("kubernetes:networking.k8s.io/v1:NetworkPolicy");
      const denyAll = policies.filter((p) => {
        const spec = p.spec as { podSelector: object; policyTypes: string[]; ingress?: unknown };
        return (
          Object.keys(spec.podSelector).length === 0 &&
          spec.policyTypes.includes("Ingress") &&
          spec.policyTypes.includes("Egress") &&
          spec.ingress === undefined
        );
      });
      expect(denyAll.length).toBeGreaterThan(0);
      const routes = inNs("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute");
      expect(routes).toHaveLength(1);
      const route = routes[0]?.spec as {
        parentRefs: { name: string; namespace: string }[];
        rules: { backendRefs: { namespace?: string }[] }[];
      };
      expect(route.parentRefs).toEqual([
        expect.objectContaining({ name: "public", namespace: "gateway-system" }),
      ]);
      for (const rule of route.rules)
        for (const ref of rule.backendRefs) expect(ref.namespace ?? ns).toBe(ns);
    }
  });

  it("exports the alarm names the component would create itself, so the rollout gates alike", async () => {
    const external = await runKubernetes(exampleArgs(), "kube");
    const created = await runKubernetes(exampleArgs("component"), "kube");
    const names = created.graph.resources
      .filter((r) => r.type.startsWith("aws:cloudwatch/"))
      .map((r) => String(r.inputs.name ?? r.inputs.alarmName))
      .sort();
    expect(names).toEqual([
      "cohort-kube-free-health",
      "cohort-kube-free-restarts",
      "cohort-kube-free-running-pods",
      "cohort-kube-pro-health",
      "cohort-kube-pro-restarts",
      "cohort-kube-pro-running-pods",
    ]);
    for (const cohort of ["free", "pro"]) {
      const [e, c] = [external.cohorts[cohort], created.cohorts[cohort]];
      expect(e?.alarms).toEqual(c?.alarms);
      expect(e?.compositeAlarmName).toBe(c?.compositeAlarmName);
      expect(e?.alarmNames).toEqual(c?.alarmNames);
    }
  });
});
