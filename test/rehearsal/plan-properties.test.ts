/**
 * What the plan must do under the example environment, across random seeds,
 * traffic shapes and fault models — driven by the real runner on the
 * simulated fleet:
 *  - a bad release whose fault shows within the first wave's bake never gets
 *    past the first wave, and is reverted there;
 *  - a latent fault that shows later is caught where it shows and reverted
 *    everywhere the release went;
 *  - a good release reaches every cohort.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { RehearsalEnvironment } from "../../stacks/rollout/rehearsal/environment.js";
import type { SimulationProfileInput } from "../../stacks/rollout/rehearsal/sim/profile.js";
import type { FaultInput } from "../../stacks/rollout/rehearsal/sim/faults.js";
import { prodEnvironment, rehearseCase } from "./support/rehearse.js";

let env: RehearsalEnvironment;
beforeAll(async () => {
  env = await prodEnvironment();
});

const RUNS = Number(process.env.REHEARSAL_PROPERTY_RUNS ?? 50);

/** Traffic the example environment may see: volume, daily curve, noise, time of day. */
const profileArb: fc.Arbitrary<SimulationProfileInput> = fc.record({
  seed: fc.integer({ min: 0, max: 1_000_000 }),
  requestsPerMinute: fc.integer({ min: 1_500, max: 30_000 }),
  diurnalAmplitude: fc.double({ min: 0, max: 0.6, noNaN: true }),
  noise: fc.double({ min: 0, max: 0.2, noNaN: true }),
  // Any hour of the day: the rollout may start at the traffic peak or in the trough.
  startEpochMs: fc.integer({ min: 0, max: 23 }).map((h) => Date.UTC(2026, 0, 6, h, 0, 0)),
});

/** Faults that show as soon as the release runs. */
const immediateFaultArb: fc.Arbitrary<FaultInput> = fc.oneof(
  fc.record({
    kind: fc.constant("error-spike" as const),
    errorRate: fc.double({ min: 0.05, max: 0.6, noNaN: true }),
  }),
  fc.record({
    kind: fc.constant("latency-regression" as const),
    factor: fc.double({ min: 12, max: 40, noNaN: true }),
  }),
  fc.record({
    kind: fc.constant("crash-loop" as const),
    unhealthyFraction: fc.double({ min: 0.25, max: 1, noNaN: true }),
  }),
);

function firstWave(): { cohorts: string[]; bakeSeconds: number } {
  const level = Math.min(...env.cohorts.map((c) => c.criticality));
  const cohorts = env.cohorts.filter((c) => c.criticality === level);
  return {
    cohorts: cohorts.map((c) => c.name),
    bakeSeconds: Math.min(...cohorts.map((c) => c.bakeSeconds)),
  };
}

/**
 * The longest time from a fault showing to its alarm being in ALARM and read
 * by the runner: the datapoints to alarm (one may be partial) plus the
 * publication lag, the one-minute evaluation cadence and one poll interval.
 */
const DETECTION_SECONDS = 60 * 3 + 90 + 60 + 30;

describe("the plan under the example environment (real runner, simulated fleet)", () => {
  it("never lets a fault that shows within the first wave's bake past the first wave", async () => {
    const wave = firstWave();
    // Latent faults count too, as long as they show early enough in the bake to be seen.
    const latentArb: fc.Arbitrary<FaultInput> = fc.record({
      kind: fc.constant("latent" as const),
      activateAfterSeconds: fc.integer({ min: 0, max: wave.bakeSeconds - DETECTION_SECONDS }),
      from: fc.constantFrom("first-deploy" as const, "each-cohort" as const),
      then: immediateFaultArb as fc.Arbitrary<never>,
    });
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        profileArb,
        fc.oneof(immediateFaultArb, latentArb),
        async (profile, fault) => {
          seen.add(fault.kind);
          const r = await rehearseCase(env, { fault, profile, strategies: ["plan"] });
          const plan = r.strategies[0];
          if (!plan) throw new Error("no plan run");
          expect(plan.outcome, plan.reason).toBe("failed");
          expect(plan.reached.filter((c) => !wave.cohorts.includes(c))).toEqual([]);
          expect(plan.endedOnCandidate).toEqual([]);
          expect(r.verdict.kind).toBe("contained");
          // The gate, not an update failure, stopped it.
          const failed = plan.timelines
            .flatMap((t) => t.decisions)
            .find((d) => d.kind === "failed");
          expect(failed?.detail).toMatch(/ALARM/);
        },
      ),
      { numRuns: RUNS, seed: 5 },
    );
    expect([...seen].sort()).toEqual(["crash-loop", "error-spike", "latency-regression", "latent"]);
  });

  it("catches a latent fault where it shows and reverts it everywhere the release went", async () => {
    const latentLateArb = fc.record({
      kind: fc.constant("latent" as const),
      // Shows after the first wave passed, while a later wave is applied or bakes. The example
      // plan takes about 75 minutes (three updates of 4-8 minutes, bakes of 10, 20 and 30).
      activateAfterSeconds: fc.integer({ min: 15 * 60, max: 55 * 60 }),
      from: fc.constant("first-deploy" as const),
      then: immediateFaultArb as fc.Arbitrary<never>,
    });
    let escaped = 0;
    await fc.assert(
      fc.asyncProperty(profileArb, latentLateArb, async (profile, fault) => {
        const r = await rehearseCase(env, { fault, profile, strategies: ["plan"] });
        const plan = r.strategies[0];
        if (!plan) throw new Error("no plan run");
        if (plan.outcome === "completed") {
          // Every bake ended before the fault showed: nothing gated it, and the report says so.
          escaped++;
          expect(r.verdict.kind).toBe("escaped");
          return;
        }
        expect(plan.outcome, plan.reason).toBe("failed");
        const decisions = plan.timelines.flatMap((t) => t.decisions);
        const failed = decisions.find((d) => d.kind === "failed");
        const where = plan.timelines.find((t) => t.cohort === failed?.cohort);
        // Caught where it shows: the failing cohort's fault was showing before the gate failed it.
        expect(where?.failing.some((s) => s.from <= (failed?.t ?? -1))).toBe(true);
        // Reverted everywhere it went.
        expect(plan.endedOnCandidate).toEqual([]);
        const reverted = decisions.filter((d) => d.kind === "reverted").map((d) => d.cohort);
        expect([...reverted].sort()).toEqual([...plan.reached].sort());
        expect(plan.reached.length).toBeGreaterThan(1);
      }),
      { numRuns: Math.max(10, Math.round(RUNS / 2)), seed: 11 },
    );
    // A fault showing within 55 minutes of the first deploy always shows while a wave bakes.
    expect(escaped).toBe(0);
  });

  it("delivers a good release to every cohort, with no false alarm", async () => {
    await fc.assert(
      fc.asyncProperty(profileArb, async (profile) => {
        const r = await rehearseCase(env, {
          fault: { kind: "none" },
          profile,
          strategies: ["plan"],
        });
        const plan = r.strategies[0];
        if (!plan) throw new Error("no plan run");
        expect(plan.outcome, plan.reason).toBe("completed");
        expect(plan.endedOnCandidate).toEqual(env.cohorts.map((c) => c.name));
        expect(plan.exposure.badRequests).toBe(0);
        expect(r.verdict).toMatchObject({ kind: "delivered", ok: true });
      }),
      { numRuns: Math.max(10, Math.round(RUNS / 2)), seed: 17 },
    );
  });
});
