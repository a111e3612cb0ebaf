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

  it("missing networking", async () => {
    const e = await rejects(validArgs({ network: { ...NETWORK, vpcId: "" } }));
    expect(paths(e)).toEqual(["network.vpcId"]);
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
  it("registers the component once valid (the recorder counts registrations)", async () => {
    new CohortSegmentedService("svc", validArgs());
    const graph = await recorder.settle();
    expect(recorder.registrations).toBeGreaterThan(50);
    expect(graph.resources[0]?.type).toBe("cohort-segmented-service:index:CohortSegmentedService");
  });
});
