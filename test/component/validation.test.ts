/**
 * Bad input throws ONE error listing every problem as `path: problem (hint)`,
 * and registers nothing: not a resource, not even the component itself.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { CohortSegmentedServiceArgs } from "../../components/args.js";
import { CohortSpecError } from "../../components/errors.js";
import { CohortSegmentedService } from "../../components/service.js";
import { cohort, NETWORK, pin, validArgs } from "./support/args.js";
import { GraphRecorder } from "./support/graph-recorder.js";

let recorder: GraphRecorder;
beforeEach(() => {
  recorder = new GraphRecorder({ stack: "validation" }).install();
});

/** Constructs the component, expects a CohortSpecError, and proves nothing was registered. */
async function rejects(args: CohortSegmentedServiceArgs): Promise<CohortSpecError> {
  let caught: unknown;
  try {
    new CohortSegmentedService("svc", args);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(CohortSpecError);
  await new Promise((r) => setTimeout(r, 20));
  expect(recorder.registrations).toBe(0);
  return caught as CohortSpecError;
}

function paths(error: CohortSpecError): string[] {
  return error.problems.map((p) => p.path);
}

const withCohorts = (...cohorts: ReturnType<typeof cohort>[]) =>
  validArgs({
    environment: { name: "test", cohorts },
    pins: Object.fromEntries(cohorts.map((c) => [c.name, pin()])),
  });

describe("bad input", () => {
  it("duplicate cohort names", async () => {
    const e = await rejects(
      withCohorts(cohort("free", 0), cohort("free", 1, { match: { header: "x" } })),
    );
    expect(e.message).toContain(
      'environment.cohorts[1].name: duplicate "free" (also cohorts[0]) (cohort names must be unique',
    );
  });

  it("non-DNS-safe cohort names", async () => {
    const e = await rejects(withCohorts(cohort("Free_Tier", 0)));
    expect(paths(e)).toContain("environment.cohorts[0].name");
    expect(e.message).toMatch(/lowercase letters, digits/);
  });

  it("an environment name with '-' (svc-<env>-<cohort> names would be ambiguous across environments)", async () => {
    // env "prod" + cohort "eu-free" and env "prod-eu" + cohort "free" would both be svc-prod-eu-free-…
    const e = await rejects(
      validArgs({
        environment: { name: "prod-eu", cohorts: [cohort("free", 0)] },
        pins: { free: pin() },
      }),
    );
    expect(paths(e)).toEqual(["environment.name"]);
    expect(e.message).toMatch(/no '-'/);
    expect(e.message).toContain("prodeu");
  });

  it("no cohorts", async () => {
    const e = await rejects(validArgs({ environment: { name: "test", cohorts: [] }, pins: {} }));
    expect(paths(e)).toEqual(["environment.cohorts"]);
  });

  it("negative or non-integer criticality", async () => {
    const e = await rejects(withCohorts(cohort("free", -1), cohort("pro", 1.5)));
    expect(paths(e)).toEqual([
      "environment.cohorts[0].criticality",
      "environment.cohorts[1].criticality",
    ]);
    expect(e.problems[0]?.hint).toMatch(/integer >= 0/);
  });

  it("two cohorts with the same routing match", async () => {
    const e = await rejects(
      withCohorts(
        cohort("free", 0, { match: { header: "same" } }),
        cohort("pro", 1, { match: { header: "same" } }),
      ),
    );
    expect(paths(e)).toContain("environment.cohorts[1].match");
    expect(e.message).toMatch(/same routing match as cohorts\[0\]/);
  });

  it("two cohorts with the same explicit listener priority", async () => {
    const e = await rejects(
      withCohorts(cohort("free", 0, { priority: 7 }), cohort("pro", 1, { priority: 7 })),
    );
    expect(paths(e)).toEqual(["environment.cohorts[1].priority"]);
  });

  it("a pin for an unknown cohort", async () => {
    const e = await rejects(
      validArgs({ pins: { free: pin(), pro: pin(), enterprise: pin(), gold: pin() } }),
    );
    expect(paths(e)).toEqual(["pins.gold"]);
    expect(e.message).toMatch(
      /pin for unknown cohort "gold" \(the environment defines: free, pro, enterprise\)/,
    );
  });

  it("a cohort without a pin", async () => {
    const e = await rejects(validArgs({ pins: { free: pin(), pro: pin() } }));
    expect(paths(e)).toEqual(["pins.enterprise"]);
  });

  it("an empty version", async () => {
    const e = await rejects(validArgs({ pins: { free: pin(""), pro: pin(), enterprise: pin() } }));
    expect(paths(e)).toEqual(["pins.free.version"]);
    expect(e.problems[0]?.hint).toMatch(/artifact version/);
  });

  it("alarm thresholds out of range", async () => {
    const e = await rejects(
      validArgs({
        environment: {
          name: "test",
          cohorts: [cohort("free", 0), cohort("pro", 1), cohort("enterprise", 2)],
          alarms: {
            errorRatePercent: 150,
            periodSeconds: 30,
            evaluationPeriods: 2,
            datapointsToAlarm: 3,
          },
        },
      }),
    );
    expect([...new Set(paths(e))].sort()).toEqual([
      "environment.alarms.datapointsToAlarm",
      "environment.alarms.errorRatePercent",
      "environment.alarms.periodSeconds",
    ]);
  });

  it("a cohort stack naming a cohort the environment does not define", async () => {
    const e = await rejects(validArgs({ part: "cohort", cohort: "gold", pins: {} }));
    expect(paths(e)).toContain("cohort");
    expect(e.message).toMatch(/does not define cohort "gold"/);
  });

  it("a cohort stack holding another cohort's pin", async () => {
    const e = await rejects(
      validArgs({
        part: "cohort",
        cohort: "free",
        pins: { free: pin(), pro: pin() },
        edge: { listenerArn: "l", loadBalancerArnSuffix: "s", securityGroupId: "g", dnsName: "d" },
      }),
    );
    expect(paths(e)).toEqual(["pins.pro"]);
  });

  it("a shared-ingress cohort stack without the edge", async () => {
    const e = await rejects(validArgs({ part: "cohort", cohort: "free", pins: { free: pin() } }));
    expect(paths(e)).toEqual(["edge"]);
  });

  it("more cohorts on one shared ALB than its quotas allow", async () => {
    const many = Array.from({ length: 101 }, (_, i) => cohort(`c${i}`, i % 3, { priority: i + 1 }));
    const e = await rejects(withCohorts(...many));
    expect(paths(e)).toEqual(["environment.cohorts"]);
    expect(e.message).toMatch(
      /101 cohorts share one load balancer.*100 listener rules and 100 target groups/,
    );
  });

  it("a pin whose config names another cohort's table", async () => {
    const e = await rejects(
      validArgs({
        pins: {
          free: { ...pin(), config: { PEER: "svc-test-pro-data" } },
          pro: pin(),
          enterprise: pin(),
        },
      }),
    );
    expect(paths(e)).toEqual(["pins.free.config.PEER"]);
  });

  it("a pin whose config names another cohort's bucket (whatever account hash it carries)", async () => {
    const e = await rejects(
      validArgs({
        pins: {
          free: { ...pin(), config: { PEER: "s3://svc-test-pro-files-0a1b2c3d/x" } },
          pro: pin(),
          enterprise: pin(),
        },
      }),
    );
    expect(paths(e)).toEqual(["pins.free.config.PEER"]);
  });

  it("missing networking", async () => {
    const e = await rejects(validArgs({ network: { ...NETWORK, vpcId: "" } }));
    expect(paths(e)).toEqual(["network.vpcId"]);
  });

  it("a bake that rounds to zero seconds", async () => {
    const e = await rejects(
      withCohorts(
        cohort("free", 0, { bakeSeconds: undefined, bakeMinutes: 0.005 }),
        cohort("pro", 1),
      ),
    );
    expect(paths(e)).toEqual(["environment.cohorts[0].bakeMinutes"]);
  });

  it("a Fargate memory size the cpu cannot have", async () => {
    const e = await rejects(validArgs({ container: { cpu: "256", memory: "8192" } }));
    expect(paths(e)).toEqual(["container.memory"]);
    expect(e.problems[0]?.hint).toMatch(/512, 1024 or 2048/);
  });

  it("an image repository that already carries a tag or digest", async () => {
    const e = await rejects(validArgs({ container: { image: "repo/app:1.0" } }));
    expect(paths(e)).toEqual(["container.image"]);
    // A registry port is not a tag. Settle, or its registrations land in the next test's mocks.
    new CohortSegmentedService("ok", validArgs({ container: { image: "registry:5000/team/app" } }));
    await recorder.settle();
    expect(recorder.registrations).toBeGreaterThan(0);
  });

  it("a version that is neither an image tag nor a sha256 digest", async () => {
    const e = await rejects(
      validArgs({
        pins: { free: pin("1.0 beta"), pro: pin("sha256:abc"), enterprise: pin("-rc1") },
      }),
    );
    expect(paths(e)).toEqual(["pins.enterprise.version", "pins.free.version", "pins.pro.version"]);
  });

  it("the Host header as the cohort header (ALB header conditions cannot match it)", async () => {
    const e = await rejects(
      validArgs({
        environment: {
          name: "test",
          headerName: "Host",
          cohorts: [cohort("free", 0), cohort("pro", 1), cohort("enterprise", 2)],
        },
      }),
    );
    expect(paths(e)).toEqual(["environment.headerName"]);
  });

  it("subnets given as a single string, an empty list of load balancer subnets, a non-boolean internal", async () => {
    const e = await rejects(
      validArgs({
        network: {
          ...NETWORK,
          subnetIds: "subnet-a" as never,
          loadBalancerSubnetIds: [],
          internal: "yes" as never,
        },
      }),
    );
    expect(paths(e)).toEqual([
      "network.internal",
      "network.loadBalancerSubnetIds",
      "network.subnetIds",
    ]);
  });

  it("a cohort whose stack is the edge stack", async () => {
    const e = await rejects(withCohorts(cohort("free", 0, { stack: "test" }), cohort("pro", 1)));
    expect(paths(e)).toEqual(["environment.cohorts[0].stack"]);
  });

  it("a dedicated cohort named like the edge (its ALB security group name is the edge's)", async () => {
    const e = await rejects(
      withCohorts(cohort("edge", 0, { ingress: "dedicated" }), cohort("pro", 1)),
    );
    expect(paths(e)).toEqual(["environment.cohorts[0].name"]);
  });

  it("every problem at once, in one error", async () => {
    const e = await rejects({
      environment: {
        name: "Test",
        cohorts: [
          cohort("free", -1),
          cohort("free", 0, { match: { header: "x" } }),
          cohort("pro", 1),
        ],
        alarms: { latencyP99Seconds: 0 },
      },
      part: "all",
      pins: { free: pin(""), nope: pin() },
      network: NETWORK,
    });
    expect(paths(e)).toEqual(
      expect.arrayContaining([
        "environment.name",
        "environment.alarms.latencyP99Seconds",
        "environment.cohorts[0].criticality",
        "environment.cohorts[1].name",
        "pins.nope",
        "pins.free.version",
        "pins.pro",
      ]),
    );
    expect(e.message.split("\n")).toHaveLength(e.problems.length + 1);
    for (const line of e.message.split("\n").slice(1))
      expect(line).toMatch(/^ {2}- \S+: .+ \(.+\)$/);
  });
});

describe("good input", () => {
  it("a cohort's config may name its own resources even when another cohort's name is a prefix of its own", async () => {
    const args = withCohorts(cohort("pro", 0), cohort("pro-eu", 1));
    args.pins = {
      pro: pin(),
      "pro-eu": {
        ...pin(),
        config: { KEY: "alias/svc-test-pro-eu-key", TABLE: "svc-test-pro-eu-data" },
      },
    };
    new CohortSegmentedService("svc", args);
    await recorder.settle();
    expect(recorder.registrations).toBeGreaterThan(0);
  });

  it("registers the component once valid (the recorder counts registrations)", async () => {
    new CohortSegmentedService("svc", validArgs());
    const graph = await recorder.settle();
    expect(recorder.registrations).toBeGreaterThan(50);
    expect(graph.resources[0]?.type).toBe("cohort-segmented-service:index:CohortSegmentedService");
  });
});
