/**
 * Exposure on a case small enough to compute by hand: two cohorts with flat,
 * noiseless traffic, updates that take exactly two minutes, and an error
 * spike in the release. Every number below is derived in the comments from
 * CloudWatch's documented evaluation (60 s ALB datapoints, 90 s publication
 * lag, 2 of 3 datapoints, one evaluation a minute) and the runner's 30 s poll.
 */
import { describe, expect, it } from "vitest";
import { alarmSpecsSchema } from "../../stacks/rollout/rehearsal/cloudwatch/alarm-spec.js";
import type { RehearsalEnvironment } from "../../stacks/rollout/rehearsal/environment.js";
import { PlanRefusedError } from "../../stacks/rollout/rehearsal/rehearse.js";
import { WARM_UP_MS } from "../../stacks/rollout/rehearsal/sim/world.js";
import { fixtureAlarms } from "./fixtures/alarms.js";
import { rehearseCase } from "./support/rehearse.js";

const env: RehearsalEnvironment = {
  name: "hand",
  cohorts: [
    { name: "free", criticality: 0, bakeSeconds: 600, minIntervalSeconds: 0, stack: "hand.free" },
    { name: "pro", criticality: 1, bakeSeconds: 600, minIntervalSeconds: 0, stack: "hand.pro" },
  ],
  alarms: alarmSpecsSchema.parse([...fixtureAlarms("free"), ...fixtureAlarms("pro")]),
  alarmSource: "test fixture",
};

const START = Date.UTC(2026, 0, 6, 0, 0, 0);
const profile = {
  seed: 1,
  // 1,200 requests a minute split evenly: 100 per cohort per 10 s slice, exactly.
  requestsPerMinute: 1_200,
  diurnalAmplitude: 0,
  noise: 0,
  startEpochMs: START,
  albPublicationLagSeconds: 90,
  cohorts: { free: { errorRate: 0 }, pro: { errorRate: 0 } },
  updateDurations: {
    ecs: { minSeconds: 120, maxSeconds: 120 },
    lambda: { minSeconds: 30, maxSeconds: 30 },
    kubernetes: { minSeconds: 90, maxSeconds: 90 },
    cloudflare: { minSeconds: 15, maxSeconds: 15 },
  },
  // The new version serves, and its deployment is complete, the moment its update returns: the
  // hand computation counts from there. (bake-start.test.ts rehearses ECS's real delays.)
  servingDelays: { ecs: { minSeconds: 0, maxSeconds: 0 } },
  completionDelays: { ecs: { minSeconds: 0, maxSeconds: 0 } },
};
const PER_SLICE = 100;

describe("exposure on a hand-computed case", () => {
  it("matches the hand computation for the plan and for a fleet-wide push", async () => {
    const r = await rehearseCase(env, {
      fault: { kind: "error-spike", errorRate: 0.5 },
      profile,
      strategies: ["plan", "fleet-wide"],
      operatorResponseMinutes: 10,
    });
    const [plan, fleet] = r.strategies;
    if (!plan || !fleet) throw new Error("missing strategy runs");
    // Seconds from START: the rollout starts after the warm-up, at 1,200.
    expect(WARM_UP_MS).toBe(1_200_000);
    // Plan: free is applied at 1,200 + 120 = 1,320. Minute [1,320, 1,380) is the first bad one,
    // published at 1,470; the evaluation at 1,500 sees 1 breaching of 3, the one at 1,560 sees
    // [1,320, 1,380) and [1,380, 1,440): 2 of 3 -> ALARM at 1,560. The runner polls every 30 s
    // from 1,320, reads ALARM at 1,560 and reverts: 120 s -> free back on baseline at 1,680.
    // free ran the bad release for 360 s = 36 slices.
    const freeBad = 36 * PER_SLICE;
    expect(plan.exposure.perCohort.map((c) => [c.cohort, c.badRequests])).toEqual([
      ["free", freeBad],
      ["pro", 0],
    ]);
    expect(plan.timeToDetectSeconds).toBe(1_560 - 1_320);
    expect(plan.timeToRevertSeconds).toBe(1_680 - 1_320);
    // Shares: over the whole window every cohort gets PER_SLICE requests in each 10 s slice.
    const slices = r.windowSeconds / 10;
    const free = plan.exposure.perCohort[0];
    expect(free?.cohortRequests).toBe(slices * PER_SLICE);
    expect(free?.shareOfCohort).toBeCloseTo(freeBad / (slices * PER_SLICE), 12);
    expect(free?.shareOfAll).toBeCloseTo(freeBad / (2 * slices * PER_SLICE), 12);
    expect(plan.exposure.shareOfAll).toBeCloseTo(freeBad / (2 * slices * PER_SLICE), 12);

    // Fleet-wide: both cohorts pushed at 1,200, running the bad release from 1,320. The operator
    // checks alarms every minute from 1,200; both are in ALARM at 1,560 -> paged at 1,560,
    // acts 10 minutes later (2,160), reverts take 120 s -> 2,280. 960 s = 96 slices per cohort.
    const fleetBad = 96 * PER_SLICE;
    expect(fleet.exposure.perCohort.map((c) => [c.cohort, c.badRequests])).toEqual([
      ["free", fleetBad],
      ["pro", fleetBad],
    ]);
    expect(fleet.timeToDetectSeconds).toBe(1_560 - 1_320);
    expect(fleet.timeToRevertSeconds).toBe(2_280 - 1_320);
    expect(r.exposureRatios["fleet-wide"]).toBeCloseTo((2 * fleetBad) / freeBad, 12);
  });

  it("counts only the requests served while a latent fault showed as failing", async () => {
    const r = await rehearseCase(env, {
      fault: {
        kind: "latent",
        activateAfterSeconds: 120,
        from: "each-cohort",
        then: { kind: "error-spike", errorRate: 0.5 },
      },
      profile,
      strategies: ["plan"],
    });
    const plan = r.strategies[0];
    if (!plan) throw new Error("no plan run");
    // free runs the release from 1,320, failing from 1,440. First bad minute [1,440, 1,500),
    // visible at 1,590; the evaluation at 1,680 sees [1,440, 1,500) and [1,500, 1,560): ALARM.
    // The poll at 1,680 reads it; the revert ends at 1,800.
    const free = plan.exposure.perCohort[0];
    expect(free?.badRequests).toBe(((1_800 - 1_320) / 10) * PER_SLICE);
    expect(free?.faultyRequests).toBe(((1_800 - 1_440) / 10) * PER_SLICE);
    expect(plan.timeToDetectSeconds).toBe(1_680 - 1_440);
  });

  it("refuses, like deploy, a plan whose bakes are shorter than their alarms' detection window", async () => {
    const short: RehearsalEnvironment = {
      ...env,
      cohorts: env.cohorts.map((c) => ({ ...c, bakeSeconds: 120 })),
    };
    const refused = rehearseCase(short, { fault: { kind: "none" }, profile, strategies: ["plan"] });
    await expect(refused).rejects.toBeInstanceOf(PlanRefusedError);
    // 60 s period × 3 evaluation periods + deploy's 60 s publication lag = 240 s, for every cohort.
    await expect(refused).rejects.toThrow(
      /free, stack hand\.free\): bake 120s is shorter than its alarms' detection window 240s[\s\S]*pro, stack hand\.pro\): bake 120s/,
    );
  });
});
