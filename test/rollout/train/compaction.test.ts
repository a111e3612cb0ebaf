/**
 * Ledger at scale: decisions from a snapshot plus the records after it equal decisions from
 * the whole ledger (a fast-check property over trains with failures, latent failures,
 * supersede and queue), and the snapshot stays small as finished releases pile up.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { restoreSnapshot, snapshotOf } from "../../../stacks/rollout/core/train/compaction.js";
import { decideTrain } from "../../../stacks/rollout/core/train/scheduler.js";
import { foldTrain } from "../../../stacks/rollout/core/train/state.js";
import { runTrain, scenario } from "./train-scenarios.js";
import { MIN, TrainWorld, cohort, policy, waves } from "./train-world.js";

describe("train snapshots", () => {
  it("decide exactly as the whole ledger does, at every cut and every later point", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, fc.integer({ min: 0, max: 1_000 }), async (s, salt) => {
        const records = await runTrain(s);
        expect(records.length).toBeGreaterThan(5);
        for (let n = 1; n <= records.length; n += 1 + (salt % 3)) {
          const k = (salt * 7919 + n * 31) % (n + 1);
          const full = foldTrain(records.slice(0, n));
          const snap = snapshotOf(foldTrain(records.slice(0, k)));
          const compacted = foldTrain(records.slice(k, n), restoreSnapshot(snap));
          for (const dt of [0, 5_000, 11 * MIN, 3 * 60 * MIN]) {
            const now = full.lastAt + dt;
            expect(decideTrain(compacted, now)).toEqual(decideTrain(full, now));
          }
        }
      }),
      { numRuns: 15 },
    );
  });

  it("decide alike from a snapshot a few records back, all along a train with a human abort and unhold", async () => {
    // r0 fails at b; the first release held behind it is aborted, the rest unheld.
    const records = await runTrain({
      releases: 4,
      order: "queue",
      observationMs: 20 * MIN,
      bad: [[0, "b"]],
      lateSubmit: 0,
      abortHeld: true,
      unhold: true,
    });
    const types = records.map((r) => r.event.type);
    expect(types).toContain("abort-requested");
    expect(types).toContain("train-unheld");
    for (let n = 1; n <= records.length; n++) {
      const full = foldTrain(records.slice(0, n));
      // Cuts just before n (a snapshot inside the abort's few records) and at the start.
      for (const k of new Set([0, n - 3, n - 2, n - 1, n].filter((x) => x >= 0))) {
        const snap = snapshotOf(foldTrain(records.slice(0, k)));
        const compacted = foldTrain(records.slice(k, n), restoreSnapshot(snap));
        expect(decideTrain(compacted, full.lastAt)).toEqual(decideTrain(full, full.lastAt));
      }
    }
  });

  it("keeps only live releases: a snapshot after many finished releases is as small as after one", async () => {
    const w = new TrainWorld(waves([cohort("a")], [cohort("b")]), policy({ order: "queue" }));
    const sizes: number[] = [];
    for (let i = 0; i < 12; i++) {
      await w.submit(`r${String(i)}`);
      await w.controller().run();
      // A few days apart: entry times older than any local day are forgotten.
      await w.clock.sleep(49 * 60 * MIN);
      sizes.push(JSON.stringify(snapshotOf(foldTrain(w.records()))).length);
    }
    expect(Object.keys(w.finished())).toHaveLength(12);
    expect(Math.max(...sizes)).toBeLessThanOrEqual((sizes[0] ?? 0) * 1.2);
  });
});
