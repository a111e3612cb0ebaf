/**
 * A concurrent wave where one cohort fails, in the middle of a pipelined train, on a fake
 * clock: r1 is ahead (baking in the last wave), r2 fails in the middle wave — three cohorts
 * updated concurrently, at most two updates at once — and r3, r4 are behind it. r2 is reverted
 * in every cohort it reached (the failed one, its wave-mates, the earlier wave) and never enters
 * the wave's cohort r1 still holds in its observation window; r3 and r4 are
 * held with the reason in `status`, r1 goes on to complete, and no cohort ever holds two
 * releases at once. Once with the failure in an update, once in a gate.
 */
import { describe, expect, it } from "vitest";
import type { RolloutEvent } from "../../../stacks/rollout/core/events.js";
import { formatTrainStatus, trainStatus } from "../../../stacks/rollout/core/train/status.js";
import { HOUR, MIN, TrainWorld, cohort, policy, waves } from "./train-world.js";

/**
 * Walks the ledger in order and returns every time a release entered a cohort that another
 * release still held (entered, not yet settled, reverted or finished).
 * @param records the ledger's events in order
 */
function doubleOccupancy(records: { event: RolloutEvent }[]): string[] {
  const holder = new Map<string, string>();
  const clashes: string[] = [];
  for (const { event: e } of records) {
    if (e.type === "train-entered") {
      const h = holder.get(e.cohort);
      if (h !== undefined && h !== e.release)
        clashes.push(`${e.release} entered ${e.cohort} while ${h} held it`);
      holder.set(e.cohort, e.release);
    } else if ((e.type === "train-settled" || e.type === "reverted") && "cohort" in e) {
      if (holder.get(e.cohort) === e.release) holder.delete(e.cohort);
    } else if (e.type === "train-finished") {
      for (const [c, r] of holder) if (r === e.release) holder.delete(c);
    }
  }
  return clashes;
}

/** Cohorts where `release` has a record of type `type`, sorted. */
function cohortsWith(w: TrainWorld, release: string, type: RolloutEvent["type"]): string[] {
  const out = new Set<string>();
  for (const { event: e } of w.records())
    if (e.type === type && e.release === release && "cohort" in e) out.add(e.cohort);
  return [...out].sort();
}

describe("a concurrent wave where one cohort fails", () => {
  it.each([
    { cause: "update", failing: "y" },
    { cause: "gate", failing: "x" },
  ] as const)(
    "($cause fails at $failing) reverts the release everywhere it reached, holds the ones behind, lets the one ahead finish",
    async ({ cause, failing }) => {
      const w = new TrainWorld(
        waves(
          // The canary takes a release every 45 minutes at most: r3 cannot have entered it
          // before r2 fails, so r2's revert reaches back to the earlier wave.
          [cohort("canary", { cadence: { minIntervalMs: 45 * MIN, timeZone: "UTC" } })],
          // w watches r1 for an hour after its bake (latent-activation guard): r1 has left the
          // wave but still holds w when r2 arrives, so r2 must not enter w.
          [cohort("w", { observationMs: 60 * MIN }), cohort("x"), cohort("y"), cohort("z")],
          // r1 bakes here for two hours: it is still in flight, ahead, when r2 fails.
          [cohort("last", { bakeMs: 2 * HOUR })],
        ),
        policy({ order: "queue", maxConcurrentUpdates: 2 }),
      );
      // y's update takes 20 minutes (x's and z's five seconds), so the wave's updates overlap.
      w.driver.applyMsOf.set("prod.y", 20 * MIN);
      if (cause === "update") {
        // Only r2's update of y fails; every other update of y succeeds.
        const apply = w.driver.apply.bind(w.driver);
        w.driver.apply = (stack, release, onProgress, signal) => {
          if (stack === `prod.${failing}` && release.id === "r2") w.driver.failApply.add(stack);
          else w.driver.failApply.delete(stack);
          return apply(stack, release, onProgress, signal);
        };
      } else w.bad = (c, release) => c === failing && release === "r2";
      for (const r of ["r1", "r2", "r3", "r4"]) await w.submit(r);

      const result = await w.controller().run();
      expect(result.outcome).toBe("needs-human");

      // The wave was updated concurrently and bounded: r2's x and y started together, z only
      // once an update slot freed; w was r1's (observation window) throughout.
      const applies = w.driver.calls.filter((c) => c.op === "apply" && c.release === "r2");
      const at = (s: string): number => applies.find((c) => c.stack === `prod.${s}`)?.at ?? NaN;
      expect(at("x")).toBe(at("y"));
      expect(at("z")).toBeGreaterThan(at("x"));

      const failed = w.records().find((r) => r.event.type === "failed" && r.event.release === "r2");
      expect(failed?.event).toMatchObject({ cohort: failing, cause });

      // Reverted wherever it reached: the wave's three cohorts and the earlier canary, each
      // back to r1's update.
      const reached = cohortsWith(w, "r2", "applying");
      expect(reached).toEqual(expect.arrayContaining(["canary", "x", "y"]));
      expect(reached).not.toContain("last");
      expect(reached).not.toContain("w");
      expect(cohortsWith(w, "r2", "reverted")).toEqual(reached);
      for (const c of reached) expect(w.driver.pinOf(`prod.${c}`)?.release).toBe("r1");
      expect(w.finished().r2).toBe("failed");

      // r1, ahead, went on: it was still baking in `last` when r2 failed, and completed.
      const r1Done = w.timeOf(
        (e) => e.type === "train-finished" && e.release === "r1" && e.outcome === "completed",
      );
      expect(r1Done).toBeGreaterThan(failed?.at ?? Infinity);
      expect(w.driver.pinOf("prod.last")?.release).toBe("r1");

      // r3 and r4 contain r2: held, entered nowhere, the reason in status (data and text).
      expect(w.finished().r3).toBeUndefined();
      expect(w.finished().r4).toBeUndefined();
      expect(w.entries().filter((e) => e.release === "r3" || e.release === "r4")).toEqual([]);
      const status = trainStatus(result.state, w.clock.now());
      expect(status.releases.map((r) => [r.release, r.state])).toEqual([
        ["r3", "held"],
        ["r4", "held"],
      ]);
      for (const r of status.releases) {
        expect(r.held?.cause).toBe("r2");
        expect(r.waits).toContainEqual(
          expect.objectContaining({
            waitingFor: "human",
            reason: expect.stringContaining(`r2 failed at ${failing}`) as unknown,
          }),
        );
      }
      expect(formatTrainStatus(status)).toMatch(
        new RegExp(`r3 \\[held\\][\\s\\S]*waits for human: held: r2 failed at ${failing}`),
      );

      // Never two releases in one cohort.
      expect(doubleOccupancy(w.records())).toEqual([]);
    },
  );
});
