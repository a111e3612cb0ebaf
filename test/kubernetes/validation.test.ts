/**
 * Bad input on Kubernetes gets the same one complete error as on AWS: every problem with its
 * path and a hint, and nothing registered.
 */
import { describe, expect, it } from "vitest";
import type { CohortSegmentedServiceArgs } from "../../components/args.js";
import { CohortSpecError } from "../../components/errors.js";
import { CohortSegmentedService } from "../../components/service.js";
import { validateArgs } from "../../components/validate.js";
import { cohort, pin } from "../component/support/args.js";
import { GraphRecorder } from "../component/support/graph-recorder.js";
import { KUBERNETES, kubernetesArgs, LOAD_BALANCER } from "./support/args.js";

function rejects(args: CohortSegmentedServiceArgs): CohortSpecError {
  try {
    validateArgs("service", args);
  } catch (error) {
    if (error instanceof CohortSpecError) return error;
    throw error;
  }
  throw new Error("validateArgs accepted the args");
}

const paths = (e: CohortSpecError) => e.problems.map((p) => p.path);

function withCohorts(...cohorts: ReturnType<typeof cohort>[]): CohortSegmentedServiceArgs {
  return kubernetesArgs({
    environment: { name: "test", platform: "kubernetes", cohorts },
    pins: Object.fromEntries(cohorts.map((c) => [c.name, pin()])),
  });
}

describe("bad Kubernetes input", () => {
  it("the valid args are accepted (the control)", () => {
    expect(validateArgs("service", kubernetesArgs()).environment.platform).toBe("kubernetes");
  });

  it("no kubernetes settings on a kubernetes environment", () => {
    const e = rejects(kubernetesArgs({ kubernetes: undefined }));
    expect(paths(e)).toEqual(["kubernetes"]);
    expect(e.problems[0]?.hint).toMatch(/clusterName and clusterCidrs/);
  });

  it("a gateway namespace that is a cohort's namespace, or a system namespace", () => {
    const cohortClash = rejects(
      kubernetesArgs({ kubernetes: { ...KUBERNETES, gateway: { namespace: "cohort-pro" } } }),
    );
    expect(paths(cohortClash)).toEqual(["kubernetes.gateway.namespace"]);
    expect(cohortClash.message).toMatch(/"cohort-pro" is cohorts\[1\]'s namespace/);
    const system = rejects(
      kubernetesArgs({ kubernetes: { ...KUBERNETES, gateway: { namespace: "kube-system" } } }),
    );
    expect(system.message).toMatch(/a system namespace/);
  });

  it("names over Kubernetes length limits", () => {
    const e = rejects(
      kubernetesArgs({
        kubernetes: {
          ...KUBERNETES,
          gateway: { name: "g".repeat(64) },
          volumes: { free: { storageClassName: "s".repeat(254) } },
        },
      }),
    );
    expect(paths(e)).toEqual([
      "kubernetes.gateway.name",
      "kubernetes.volumes.free.storageClassName",
    ]);
    expect(e.message).toMatch(/at most 63 characters/);
    expect(e.message).toMatch(/at most 253 characters/);
  });

  it("a StorageClass shared by two cohorts' volumes", () => {
    const e = rejects(
      kubernetesArgs({
        kubernetes: {
          ...KUBERNETES,
          volumes: {
            free: { storageClassName: "gp3" },
            pro: { storageClassName: "gp3" },
            enterprise: { storageClassName: "ebs-enterprise" },
          },
        },
      }),
    );
    expect(paths(e)).toEqual(["kubernetes.volumes.pro.storageClassName"]);
    expect(e.message).toMatch(/StorageClass "gp3" is also cohort "free"'s/);
  });

  it("a header match the Gateway cannot express as the ALB would (case-insensitively)", () => {
    const e = rejects(
      withCohorts(cohort("free", 0), cohort("pro", 1, { match: { header: "Pro" } })),
    );
    expect(paths(e)).toEqual(["environment.cohorts[1].match.header"]);
    expect(e.problems[0]?.hint).toMatch(/"pro"/);
  });

  it("dedicated ingress, a bucket without AWS storage, a config key no container accepts", () => {
    const args = withCohorts(
      cohort("free", 0, { ingress: "dedicated" }),
      cohort("pro", 1, { storage: { bucket: true } }),
    );
    const e = rejects({
      ...args,
      pins: { free: pin(), pro: { ...pin(), config: { "1BAD KEY": "x" } } },
    });
    expect(paths(e)).toEqual([
      "environment.cohorts[0].ingress",
      "environment.cohorts[1].storage.bucket",
      "pins.pro.config.1BAD KEY",
    ]);
  });

  it("a shared load balancer that would let cohorts cross: every problem, with path and hint", async () => {
    const recorder = new GraphRecorder().install();
    const args = kubernetesArgs({
      environment: {
        name: "test",
        platform: "kubernetes",
        cohorts: [
          cohort("free", 0, { priority: 10 }),
          cohort("pro", 1, { priority: 10 }),
          cohort("enterprise", 2),
        ],
      },
      kubernetes: {
        ...KUBERNETES,
        loadBalancer: {
          ...LOAD_BALANCER,
          // Another load balancer than the listener's: the alarms would watch nothing.
          loadBalancerArnSuffix: "app/other-alb/0123456789abcdef",
          // The VPC's whole range (every pod), and the world.
          sourceCidrs: ["10.0.240.0/24", "10.0.0.0/8", "0.0.0.0/0"],
        },
      },
    });
    expect(() => new CohortSegmentedService("service", args)).toThrow(CohortSpecError);
    const e = rejects(args);
    expect(paths(e)).toEqual([
      "environment.cohorts[1].priority",
      "kubernetes.loadBalancer.loadBalancerArnSuffix",
      "kubernetes.loadBalancer.sourceCidrs[1]",
      "kubernetes.loadBalancer.sourceCidrs[2]",
    ]);
    expect(e.message).toMatch(/listener priority 10 is also used by cohorts\[0\]/);
    expect(e.message).toMatch(
      /is not the load balancer of listenerArn \("app\/edge-prod\/0123456789abcdef"\)/,
    );
    expect(e.message).toMatch(/"10.0.0.0\/8" contains the cluster range "10.0.0.0\/16"/);
    for (const p of e.problems) expect(p.hint, p.path).toBeTruthy();
    expect((await recorder.settle()).resources).toEqual([]);
  });

  it("a load balancer given by malformed ids", () => {
    const e = rejects(
      kubernetesArgs({
        kubernetes: {
          ...KUBERNETES,
          loadBalancer: {
            listenerArn: "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/x/1",
            loadBalancerArnSuffix: "net/edge/0123",
            vpcId: "vpc-1",
            securityGroupId: "sg-nope",
            sourceCidrs: [],
          },
        },
      }),
    );
    expect(paths(e)).toEqual([
      "kubernetes.loadBalancer.listenerArn",
      "kubernetes.loadBalancer.loadBalancerArnSuffix",
      "kubernetes.loadBalancer.securityGroupId",
      "kubernetes.loadBalancer.sourceCidrs",
      "kubernetes.loadBalancer.vpcId",
    ]);
  });

  it("every problem at once, neutral and Kubernetes alike, and nothing registered", async () => {
    const recorder = new GraphRecorder().install();
    const args = kubernetesArgs({
      environment: {
        name: "test",
        platform: "kubernetes",
        cohorts: [cohort("free", -1), cohort("pro", 1, { match: { header: "PRO" } })],
      },
      pins: { free: pin(), pro: pin() },
      kubernetes: { ...KUBERNETES, clusterCidrs: ["10.0.0.0"] },
    });
    expect(() => new CohortSegmentedService("service", args)).toThrow(CohortSpecError);
    const e = rejects(args);
    expect(paths(e)).toEqual([
      "environment.cohorts[0].criticality",
      "environment.cohorts[1].match.header",
      "kubernetes.clusterCidrs[0]",
    ]);
    expect(e.message).toMatch(/3 problems; nothing was created/);
    expect((await recorder.settle()).resources).toEqual([]);
  });
});
