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
