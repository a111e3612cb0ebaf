/**
 * Every Kubernetes object the component emits is accepted by a real kube-apiserver v1.33
 * (server-side apply, dryRun=All, fieldValidation=Strict, Gateway API v1.3.0 and the AWS Load
 * Balancer Controller's TargetGroupBinding CRDs installed): a three-cohort environment with a
 * volume, AWS storage and the shared AWS load balancer, and random cohort sets. A
 * deliberately broken copy is rejected, so acceptance means something. Namespaces are applied
 * for real (namespaced objects need them); everything else only as a dry run.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CohortSegmentedServiceArgs } from "../../components/args.js";
import { cohort, pin } from "../component/support/args.js";
import {
  controlPlaneToolsFor,
  startControlPlane,
  type ControlPlane,
} from "../support/control-plane.js";
import { KUBERNETES, kubernetesArgs, LOAD_BALANCER } from "./support/args.js";
import { runKubernetes } from "./support/run.js";

const SUITE = "kubernetes api-server validation";
const tools = controlPlaneToolsFor(SUITE);
let plane: ControlPlane | undefined;

beforeAll(async () => {
  if (tools !== undefined) plane = await startControlPlane(tools);
}, 300_000);

afterAll(() => plane?.stop());

/** The objects a run emits, namespaces first. */
async function objectsOf(args: CohortSegmentedServiceArgs): Promise<Record<string, unknown>[]> {
  const run = await runKubernetes(args);
  const objects = run.graph.resources
    .filter((r) => r.custom && r.type.startsWith("kubernetes:"))
    .map((r) => r.inputs);
  return [
    ...objects.filter((o) => o.kind === "Namespace"),
    ...objects.filter((o) => o.kind !== "Namespace"),
  ];
}

/** Applies `objects`; returns the rejections as `<kind>/<name>: <status> <message>`. */
async function rejections(api: ControlPlane, objects: Record<string, unknown>[]) {
  const out: string[] = [];
  for (const object of objects) {
    const result = await api.apply(object, { dryRun: object.kind !== "Namespace" });
    if (result.status >= 300) {
      const name = (object.metadata as { name?: string }).name ?? "?";
      out.push(`${String(object.kind)}/${name}: ${result.status} ${String(result.body.message)}`);
    }
  }
  return out;
}

describe.skipIf(tools === undefined)(SUITE, () => {
  const example = kubernetesArgs({
    kubernetes: {
      ...KUBERNETES,
      cloudStorage: "aws",
      gateway: { tlsSecretName: "public-tls", host: "api.example.com" },
      volumes: { pro: { storageClassName: "ebs-pro", size: "5Gi" } },
      loadBalancer: LOAD_BALANCER,
    },
  });

  it("accepts every object of a three-cohort environment", async () => {
    const api = plane as ControlPlane;
    const objects = await objectsOf(example);
    expect(new Set(objects.map((o) => o.kind))).toEqual(
      new Set([
        "Namespace",
        "ServiceAccount",
        "NetworkPolicy",
        "ResourceQuota",
        "LimitRange",
        "Deployment",
        "StatefulSet",
        "Service",
        "HTTPRoute",
        "Gateway",
        "TargetGroupBinding",
      ]),
    );
    expect(await rejections(api, objects)).toEqual([]);
  }, 300_000);

  it("rejects a deliberately broken copy (the control)", async () => {
    const api = plane as ControlPlane;
    const objects = structuredClone(await objectsOf(example));
    const deployment = objects.find((o) => o.kind === "Deployment") as {
      spec: { selector: { matchLabels: Record<string, string> } };
    };
    deployment.spec.selector.matchLabels = { "app.kubernetes.io/name": "not-the-template" };
    const route = objects.find((o) => o.kind === "HTTPRoute") as {
      spec: { rules: { backendRefs: { port: number }[] }[] };
    };
    const backend = route.spec.rules[0]?.backendRefs[0];
    if (backend) backend.port = 70_000;
    const quota = objects.find((o) => o.kind === "ResourceQuota") as {
      spec: Record<string, unknown>;
    };
    quota.spec.unknownField = true;
    // A binding with a target type the controller does not know, and a Service reference
    // without its port (the CRD requires both name and port).
    const binding = objects.find((o) => o.kind === "TargetGroupBinding") as {
      spec: { targetType: string; serviceRef: Record<string, unknown> };
    };
    binding.spec.targetType = "pod";
    delete binding.spec.serviceRef.port;
    const found = (await rejections(api, objects)).join("\n");
    expect(found).toMatch(/Deployment\/app: 422 .*selector/);
    expect(found).toMatch(/HTTPRoute\/cohort-route: 422/);
    expect(found).toMatch(
      /ResourceQuota\/cohort-quota: [45]\d\d .*unknownField: field not declared in schema/,
    );
    expect(found).toMatch(
      /TargetGroupBinding\/cohort-target-group: 422 .*spec.serviceRef.port: Required value/,
    );
    expect(found).toMatch(
      /TargetGroupBinding\/cohort-target-group: 422 .*spec.targetType: Unsupported value: "pod"/,
    );
  }, 300_000);

  it("accepts every object of random cohort sets", async () => {
    const api = plane as ControlPlane;
    const name = fc.stringMatching(/^[a-z]([a-z0-9-]{0,8}[a-z0-9])?$/);
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(name, { minLength: 1, maxLength: 5 }),
        fc.boolean(),
        async (names, hosts) => {
          const cohorts = names.map((n, i) =>
            cohort(n, i, hosts ? { match: { hosts: [`${n}.example.com`], header: n } } : {}),
          );
          const args = kubernetesArgs({
            environment: { name: "prop", platform: "kubernetes", cohorts },
            pins: Object.fromEntries(names.map((n) => [n, pin("2.0.1")])),
            kubernetes: {
              ...KUBERNETES,
              ...(hosts ? { loadBalancer: LOAD_BALANCER } : {}),
              volumes: Object.fromEntries(
                names
                  .filter((_, i) => i % 2 === 0)
                  .map((n) => [n, { storageClassName: `sc-${n}` }]),
              ),
            },
          });
          expect(await rejections(api, await objectsOf(args))).toEqual([]);
        },
      ),
      { numRuns: 4, endOnFailure: true },
    );
  }, 600_000);
});
