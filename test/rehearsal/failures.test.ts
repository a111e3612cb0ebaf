/**
 * Injected update failures and per-platform update durations: a failed
 * update is treated as a failed release and reverted; a failed revert leaves
 * the rollout stuck for a human, and the rehearsal says so rather than
 * pretending the cohort is safe.
 */
import { describe, expect, it } from "vitest";
import { SimulatedDriver } from "../../stacks/rollout/rehearsal/adapters/simulated-driver.js";
import { VirtualClock } from "../../stacks/rollout/rehearsal/adapters/virtual-clock.js";
import { SimulatedFleet } from "../../stacks/rollout/rehearsal/sim/fleet.js";
import { simulationProfileSchema } from "../../stacks/rollout/rehearsal/sim/profile.js";
import { BASELINE } from "../../stacks/rollout/rehearsal/sim/world.js";
import { prodEnvironment, rehearseCase } from "./support/rehearse.js";

describe("update durations per platform", () => {
  it("draws each update's duration from its cohort's platform range, reproducibly per seed", () => {
    const profile = simulationProfileSchema.parse({
      cohorts: {
        a: { platform: "lambda" },
        b: { platform: "kubernetes" },
        c: { platform: "cloudflare" },
      },
    });
    const fleet = new SimulatedFleet(profile, ["a", "b", "c", "d"], new Map(), "base");
    const driver = new SimulatedDriver(
      fleet,
      new VirtualClock(0),
      { sa: "a", sb: "b", sc: "c", sd: "d" },
      BASELINE,
    );
    const ranges = {
      a: profile.updateDurations.lambda,
      b: profile.updateDurations.kubernetes,
      c: profile.updateDurations.cloudflare,
      d: profile.updateDurations.ecs,
    };
    for (const [cohort, range] of Object.entries(ranges)) {
      const ms = [1, 2, 3, 4, 5].map((n) =>
        driver.updateDurationMs(`s${cohort}`, cohort, n, false),
      );
      for (const m of ms) {
        expect(m).toBeGreaterThanOrEqual(range.minSeconds * 1000);
        expect(m).toBeLessThanOrEqual(range.maxSeconds * 1000);
      }
      expect(new Set(ms).size).toBeGreaterThan(1);
      expect(driver.updateDurationMs(`s${cohort}`, cohort, 1, false)).toBe(ms[0]);
    }
  });
});

describe("injected update failures (real runner)", () => {
  it("fails and reverts a release whose first update fails; no cohort ever runs it", async () => {
    const env = await prodEnvironment();
    const r = await rehearseCase(env, {
      fault: { kind: "none" },
      profile: { updateFailures: [{ stack: "prod.free", attempt: 1 }] },
      strategies: ["plan"],
    });
    const plan = r.strategies[0];
    expect(plan?.outcome).toBe("failed");
    expect(plan?.reason).toMatch(/update of prod\.free failed: injected update failure/);
    expect(plan?.reached).toEqual([]);
    expect(plan?.timelines.flatMap((t) => t.decisions).map((d) => d.kind)).toContain("reverted");
    expect(r.verdict.kind).toBe("escaped"); // a good release that did not arrive is not OK
  });

  it("stops as stuck, naming the recovery, when the revert fails too", async () => {
    const env = await prodEnvironment();
    const r = await rehearseCase(env, {
      fault: { kind: "error-spike" },
      profile: { updateFailures: [{ stack: "prod.free", onRevert: true }] },
      strategies: ["plan"],
    });
    const plan = r.strategies[0];
    expect(plan?.outcome).toBe("stuck");
    expect(plan?.reason).toMatch(/revert of free failed( \d+ time\(s\))?: .*recover with:/);
    expect(plan?.endedOnCandidate).toEqual(["free"]);
    expect(r.verdict).toMatchObject({ kind: "stuck", ok: false });
  });
});
