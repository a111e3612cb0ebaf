/**
 * The shared-nothing policy pack passes the component's Kubernetes output (single stack, with
 * volumes and AWS storage, behind the shared AWS load balancer) and catches hand-broken copies
 * of it.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { CohortSegmentedService } from "../../components/service.js";
import { recordProgram, type RecordedResource } from "../policy/support/recorder.js";
import { runPack, type PackRun } from "../policy/support/run-pack.js";
import { KUBERNETES, kubernetesArgs, LOAD_BALANCER } from "./support/args.js";

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
            loadBalancer: LOAD_BALANCER,
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
      "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding",
      "aws:lb/listenerRule:ListenerRule",
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

  it("catches a TargetGroupBinding in another cohort's namespace, and one on another's target group", async () => {
    const proGroupArn = records.find((x) => x.name === "service-pro-tg")?.state["arn"];
    expect(proGroupArn).toEqual(expect.any(String));
    const copy = broken((r) => {
      // free's binding moved into pro's namespace: it registers pro's Service in free's group.
      (r("service-free-target-group-binding")["metadata"] as Record<string, unknown>)["namespace"] =
        "cohort-pro";
      // enterprise's binding names pro's target group (by its ARN).
      spec(r("service-enterprise-target-group-binding"))["targetGroupARN"] = proGroupArn;
    });
    // The ARN is a value, not a dependency: drop the recorded dependency on its own group too.
    const enterprise = copy.find((x) => x.name === "service-enterprise-target-group-binding");
    if (enterprise !== undefined) enterprise.propertyDependencies = {};
    const found = describeRun(await runPack(copy)).join("\n");
    expect(found).toMatch(/routes-stay-in-cohort service-free-target-group-binding/);
    expect(found).toMatch(/routes-stay-in-cohort service-enterprise-target-group-binding/);
    const messages = (await runPack(copy)).violations.map((v) => v.message).join("\n");
    expect(messages).toMatch(
      /namespace cohort-pro, cohort pro\) registers Service "app" in cohort free's target group/,
    );
    expect(messages).toMatch(
      /binds .*service-pro-tg.*, which .*service-pro-target-group-binding.* binds too/,
    );
  });
});
