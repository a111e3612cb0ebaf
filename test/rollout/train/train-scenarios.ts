/**
 * Trains to compact: fast-check scenarios (releases, supersede or queue, a latent window,
 * failing cohorts, a late submission, a human aborting a held release and unholding the rest) run on a fake clock, and the
 * records they leave. Shared by the pure compaction property and the ledger-backed one.
 */
import fc from "fast-check";
import type { TrainRecord } from "../../../stacks/rollout/core/train/state.js";
import { MIN, TrainWorld, cohort, policy, waves } from "./train-world.js";

export interface Scenario {
  releases: number;
  order: "supersede" | "queue";
  observationMs: number;
  /** (release index, cohort) pairs whose alarm fires once the release is there. */
  bad: [number, string][];
  lateSubmit: number;
  unhold: boolean;
  /** A human aborts the first held release (before any unhold). */
  abortHeld: boolean;
}

export const scenario = fc.record({
  releases: fc.integer({ min: 2, max: 5 }),
  order: fc.constantFrom<"supersede" | "queue">("supersede", "queue"),
  observationMs: fc.constantFrom(0, 20 * MIN),
  bad: fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.constantFrom("a", "b", "c")), {
    maxLength: 2,
  }),
  lateSubmit: fc.integer({ min: 0, max: 40 }),
  unhold: fc.boolean(),
  abortHeld: fc.boolean(),
});

/** Runs a train to a stop and returns every record it wrote. */
export async function runTrain(s: Scenario): Promise<TrainRecord[]> {
  const w = new TrainWorld(
    waves(
      [
        cohort("a", {
          cadence: { minIntervalMs: 15 * MIN, maxPerDay: 3, timeZone: "Asia/Kolkata" },
        }),
      ],
      [cohort("b", { observationMs: s.observationMs }), cohort("c")],
    ),
    policy({ order: s.order, maxConcurrentUpdates: 2 }),
  );
  const bad = new Set(s.bad.map(([i, c]) => `r${String(i)}@${c}`));
  w.bad = (c, release) => bad.has(`${release ?? ""}@${c}`);
  await w.submit("r0");
  const first = w.controller().run();
  await w.clock.sleep(s.lateSubmit * MIN);
  for (let i = 1; i < s.releases; i++) await w.submit(`r${String(i)}`);
  await first;
  await w.controller().run();
  const firstHeld = w.records().find((r) => r.event.type === "train-held")?.event.release;
  if (s.abortHeld && firstHeld !== undefined) {
    await w.append({ type: "abort-requested", release: firstHeld, by: "bob", reason: "drop it" });
    await w.controller().run();
  }
  if (s.unhold) {
    for (const r of w.records())
      if (r.event.type === "train-held")
        await w.append({
          type: "train-unheld",
          release: r.event.release,
          by: "alice",
          reason: "fine",
        });
    await w.controller().run();
  }
  return w.records();
}
