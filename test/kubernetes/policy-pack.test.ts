/**
 * The shared-nothing policy pack passes the component's Kubernetes output (single stack, with
 * volumes and AWS storage) and catches hand-broken copies of it.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { CohortSegmentedService } from "../../components/service.js";
import { recordProgram, type RecordedResource } from "../policy/support/recorder.js";
import { runPack, type PackRun } from "../policy/support/run-pack.js";
import { KUBERNETES, kubernetesArgs } from "./support/args.js";

let records: RecordedResource[];

beforeAll(async () => {
  records = await recordProgram(
    () =>
      new CohortSegmentedService(
        "service",
        kubernetesArgs({
          kubernetes: {
            ...KUBERNETES,
            cloudStorage: "aws",
            volumes: { pro: { storageClassName: "ebs-pro" } },
          },
        }),
      ),
    { project: "cohort-service", stack: "test" },
  );
});

const describeRun = (run: PackRun) => run.violations.map((v) => `${v.policy} ${v.resource ?? ""}`);

/** A copy with `edit` applied to each resource's inputs and to its recorded state alike. */
function broken(
  edit: (byName: (name: string) => Record<string, unknown>) => void,
): RecordedResource[] {
  const copy = structuredClone(records);
  for (const side of ["inputs", "state"] as const) {
    edit((name) => {
      const r = copy.find((x) => x.name === name);
      if (r === undefined) throw new Error(`no resource ${name}`);
      return r[side];
    });
  }
  return copy;
}

const spec = (props: Record<string, unknown>) => props["spec"] as Record<string, unknown>;

describe("the shared-nothing pack on the Kubernetes component", () => {
  it("passes the component's output", async () => {
    const types = new Set(records.map((r) => r.type));
    for (const t of [
      "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
      "kubernetes:core/v1:ResourceQuota",
      "kubernetes:apps/v1:StatefulSet",
      "aws:iam/rolePolicy:RolePolicy",
    ])
      expect(types, t).toContain(t);
    const run = await runPack(records);
    expect([...describeRun(run), ...run.cantRun]).toEqual([]);
  });

  it("catches a hand-broken copy", async () => {
    const copy = broken((r) => {
      spec(r("service-free-default-deny")).policyTypes = ["Ingress"];
      const rules = spec(r("service-pro-route")).rules as {
        backendRefs: Record<string, unknown>[];
      }[];
      const backend = rules[0]?.backendRefs[0];
      if (backend) backend.namespace = "cohort-enterprise";
      spec(r("service-enterprise-service")).type = "NodePort";
      const pod = (spec(r("service-pro-statefulset")).template as { spec: Record<string, unknown> })
        .spec;
      pod["volumes"] = [{ name: "host", hostPath: { path: "/" } }];
    });
    const found = describeRun(await runPack(copy)).join("\n");
    expect(found).toMatch(/k8s-default-deny/);
    expect(found).toMatch(/routes-stay-in-cohort service-pro-route/);
    expect(found).toMatch(/k8s-quota-forbids-external-services service-enterprise-service/);
    expect(found).toMatch(/k8s-no-host-path service-pro-statefulset/);
  });
});
