/**
 * A bake that starts before the new version serves passes a bad release that a bake on the new
 * version catches. The example prod environment with ECS's deployment times (the profile's
 * defaults: the update returns in 30-90 s, the new tasks take the traffic 90-240 s later, and
 * ECS reports the deployment complete 120-300 s after that), and a release whose error spike
 * shows 5 minutes after it first serves: with bakes from "serving" it is caught in the first
 * wave; with bakes from the update's return (the behaviour before deployments were watched) the
 * free cohort's 10-minute bake ends before the alarm and the release reaches pro.
 */
import { describe, expect, it } from "vitest";
import { REHEARSAL_POLICY } from "../../stacks/rollout/rehearsal/options.js";
import { rehearse } from "../../stacks/rollout/rehearsal/rehearse.js";
import { parseFault } from "../../stacks/rollout/rehearsal/sim/faults.js";
import { simulationProfileSchema } from "../../stacks/rollout/rehearsal/sim/profile.js";
import type { BakeFrom } from "../../stacks/rollout/rehearsal/sim/world.js";
import { prodEnvironment } from "./support/rehearse.js";

async function planRun(bakeFrom: BakeFrom) {
  const r = await rehearse(await prodEnvironment(), {
    fault: parseFault({ kind: "latent", activateAfterSeconds: 300 }),
    profile: simulationProfileSchema.parse({ seed: 1 }),
    policy: REHEARSAL_POLICY,
    operatorResponseMs: 15 * 60_000,
    horizonMs: 0,
    strategies: ["plan"],
    bakeFrom,
  });
  const plan = r.strategies.find((s) => s.strategy === "plan");
  if (!plan) throw new Error("the plan was not rehearsed");
  return plan;
}

describe("when the bake starts decides whether a bad release escapes the first wave", () => {
  it("bakes from serving catch it in the first wave; bakes from the update's return let it reach pro", async () => {
    const watched = await planRun("serving");
    expect(watched.outcome).toBe("failed");
    expect(watched.reached).toEqual(["free"]);
    const free = watched.timelines.find((t) => t.cohort === "free");
    // The bake's clock started at "deployment serving", minutes after the update returned.
    const applied = free?.decisions.find((d) => d.kind === "applied");
    const serving = free?.decisions.find((d) => d.kind === "deployment serving");
    expect(applied && serving && serving.at - applied.at).toBeGreaterThanOrEqual(210_000);

    const early = await planRun("update");
    expect(early.reached).toEqual(["free", "pro"]);
    expect(
      early.timelines.find((t) => t.cohort === "free")?.decisions.map((d) => d.kind),
    ).toContain("passed");
    expect(early.exposure.badRequests).toBeGreaterThan(2 * watched.exposure.badRequests);
    expect(watched.endedOnCandidate).toEqual([]);
    expect(early.endedOnCandidate).toEqual([]);
  });
});
