/**
 * The plan: waves by criticality, bakes per cohort, the edge wave last, and
 * the refusals (bake shorter than the detection window, a cohort without
 * alarms, alarms missing in CloudWatch), every problem listed at once.
 */
import { describe, expect, it } from "vitest";
import type { CohortOutput, EnvironmentOutput } from "../../components/contract.js";
import { buildPlan, detectionWindowMs } from "../../stacks/rollout/core/plan.js";
import type { AlarmReading } from "../../stacks/rollout/core/ports.js";

const LAG = 60_000;

function env(bakes: Record<string, [number, number]>, edgeStack?: string): EnvironmentOutput {
  return {
    name: "prod",
    ...(edgeStack ? { edgeStack } : {}),
    cohorts: Object.entries(bakes).map(([name, [criticality, bakeSeconds]]) => ({
      name,
      criticality,
      bakeSeconds,
      minIntervalSeconds: 0,
      stack: `prod.${name}`,
    })),
  };
}

function output(name: string, alarmNames = [`${name}-errors`, `${name}-health`]): CohortOutput {
  return {
    name,
    criticality: 0,
    pin: { release: "r0", version: "1", config: {} },
    alarmNames,
    compositeAlarmName: `${name}-health`,
    alarms: [],
    endpoint: "",
  };
}

/** Metric alarm `<c>-errors` (period × evaluations) and composite `<c>-health`. */
function readings(cohorts: string[], period = 60, evaluations = 3): AlarmReading[] {
  return cohorts.flatMap((c) => [
    {
      name: `${c}-errors`,
      exists: true,
      state: "OK",
      kind: "metric",
      periodSeconds: period,
      evaluationPeriods: evaluations,
    },
    { name: `${c}-health`, exists: true, state: "OK", kind: "composite" },
  ]);
}

const opts = { publicationLagMs: LAG, bakeScale: 1 };

describe("waves", () => {
  it("criticality ascending, equal criticality one wave, bake per cohort (asymmetric)", () => {
    const e = env({ free: [0, 600], trial: [0, 300], pro: [1, 1200], enterprise: [2, 1800] });
    const names = e.cohorts.map((c) => c.name);
    const plan = buildPlan(
      {
        environment: e,
        cohortOutputs: Object.fromEntries(names.map((n) => [n, output(n)])),
        readings: readings(names),
        edgeChanged: false,
      },
      opts,
    );
    expect(plan.ok).toBe(true);
    if (!plan.ok) return;
    expect(plan.waves.map((w) => w.targets.map((t) => `${t.cohort}:${t.bakeMs / 1000}`))).toEqual([
      ["free:600", "trial:300"],
      ["pro:1200"],
      ["enterprise:1800"],
    ]);
  });

  it("the edge is a wave of its own after every cohort, gated on every cohort's alarms", () => {
    const e = env({ free: [0, 600], pro: [1, 1200] }, "prod");
    const plan = buildPlan(
      {
        environment: e,
        cohortOutputs: { free: output("free"), pro: output("pro") },
        readings: readings(["free", "pro"]),
        edgeChanged: true,
      },
      opts,
    );
    expect(plan.ok && plan.waves.at(-1)?.targets).toEqual([
      {
        cohort: "edge",
        stack: "prod",
        criticality: 2,
        bakeMs: 1_200_000,
        alarmNames: ["free-errors", "free-health", "pro-errors", "pro-health"],
        edge: true,
      },
    ]);
  });
});

describe("refusals", () => {
  it("detection window = period × evaluation periods + publication lag", () => {
    expect(detectionWindowMs({ periodSeconds: 60, evaluationPeriods: 3 }, LAG)).toBe(240_000);
  });

  it("refuses a bake shorter than the detection window, and accepts one exactly as long", () => {
    const plan = (bake: number) =>
      buildPlan(
        {
          environment: env({ free: [0, bake] }),
          cohortOutputs: { free: output("free") },
          readings: readings(["free"]),
          edgeChanged: false,
        },
        opts,
      );
    const refused = plan(239);
    expect(refused).toEqual({
      ok: false,
      problems: [
        "environment.cohorts[0] (free, stack prod.free): bake 239s is shorter than its alarms' detection window 240s (period × evaluation periods + publication lag) — raise bakeSeconds to at least 240",
      ],
    });
    expect(plan(240).ok).toBe(true);
  });

  it("lists every problem at once: no alarms, alarms missing in CloudWatch, a cohort stack with no output", () => {
    const e = env({ free: [0, 600], pro: [1, 1200], enterprise: [2, 1800] });
    const plan = buildPlan(
      {
        environment: e,
        cohortOutputs: { free: output("free", []), pro: output("pro") },
        readings: readings(["free"]), // pro's alarms are not in CloudWatch
        edgeChanged: false,
      },
      opts,
    );
    expect(plan.ok).toBe(false);
    if (plan.ok) return;
    expect(plan.problems).toEqual([
      "environment.cohorts[0] (free, stack prod.free): no alarms — a cohort without alarms cannot be gated",
      'environment.cohorts[1] (pro, stack prod.pro): alarm "pro-errors" does not exist in CloudWatch — deploy the cohort stack or fix its alarm names',
      'environment.cohorts[1] (pro, stack prod.pro): alarm "pro-health" does not exist in CloudWatch — deploy the cohort stack or fix its alarm names',
      'environment.cohorts[2] (enterprise, stack prod.enterprise): the stack exports no cohort "enterprise" — deploy the cohort stack once before rolling out to it',
    ]);
  });

  it("edge config without an edge stack is refused", () => {
    const plan = buildPlan(
      {
        environment: env({ free: [0, 600] }),
        cohortOutputs: { free: output("free") },
        readings: readings(["free"]),
        edgeChanged: true,
      },
      opts,
    );
    expect(plan.ok || plan.problems).toEqual([
      "release.edgeConfig: the environment has no edge stack (single-stack mode) — drop edgeConfig",
    ]);
  });
});

describe("hardening", () => {
  it("refuses a cohort named like the edge wave when the edge changes (their state would collide)", () => {
    const plan = buildPlan(
      {
        environment: env({ edge: [0, 600], pro: [1, 1200] }, "prod"),
        cohortOutputs: { edge: output("edge"), pro: output("pro") },
        readings: readings(["edge", "pro"]),
        edgeChanged: true,
      },
      opts,
    );
    expect(plan.ok).toBe(false);
    expect(plan.ok || plan.problems.join("\n")).toContain('cohort "edge"');
  });
});
