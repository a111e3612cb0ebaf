/**
 * A human's decisions about a train, on a fake clock with the real controller: an abort of a
 * held release (nothing it never reached is touched; what it reached goes back to the last
 * good update, never to the failed release it contains), an abort of a release in flight (its
 * running update is cancelled, the cohorts it reached are reverted most critical first, it ends
 * `aborted`, and the releases behind it, which contain it, hold with who aborted it and why),
 * and what `status --train` tells the human to run.
 */
import { describe, expect, it } from "vitest";
import type { RolloutEvent } from "../../../stacks/rollout/core/events.js";
import { formatTrainStatus, trainStatus } from "../../../stacks/rollout/core/train/status.js";
import { MIN, TrainWorld, cohort, policy, waves } from "./train-world.js";

/**
 * r1 fails at b; r2 (behind it) has entered a since, r3 has reached nothing: both held.
 * Returns the world after the controller stopped for a human.
 */
async function heldTrain(): Promise<TrainWorld> {
  const w = new TrainWorld(
    waves([cohort("a")], [cohort("b")], [cohort("c")]),
    policy({ order: "queue" }),
  );
  w.bad = (c, release) => c === "b" && release === "r1";
  for (const r of ["r1", "r2", "r3"]) await w.submit(r);
  expect((await w.controller().run()).outcome).toBe("needs-human");
  expect(w.finished()).toEqual({ r1: "failed" });
  expect(w.driver.pinOf("prod.a")?.release).toBe("r2");
  expect(w.driver.calls.filter((c) => c.release === "r3")).toEqual([]);
  return w;
}

const held = (w: TrainWorld) =>
  w.records().flatMap((r) => (r.event.type === "train-held" ? [r.event] : []));

const abort = (release: string, reason: string): RolloutEvent => ({
  type: "abort-requested",
  release,
  by: "alice",
  reason,
});

describe("aborting a held release", () => {
  it("finishes one that reached no cohort without touching any, and holds no one new", async () => {
    const w = await heldTrain();
    const heldBefore = held(w);
    const callsBefore = w.driver.calls.length;
    await w.append(abort("r3", "dropped: r4 will carry the fix"));
    const result = await w.controller().run();
    expect(w.finished().r3).toBe("aborted");
    expect(w.driver.calls.length).toBe(callsBefore);
    const finish = w
      .records()
      .find((r) => r.event.type === "train-finished" && r.event.release === "r3");
    expect(finish?.event).toMatchObject({
      reason: "aborted by alice (dropped: r4 will carry the fix); reverted nothing",
    });
    // r2 still waits for a human about r1; the abort of r3 held nobody.
    expect(held(w)).toEqual(heldBefore);
    expect(result.outcome).toBe("needs-human");
    expect(trainStatus(result.state, w.clock.now()).releases.map((r) => r.state)).toEqual(["held"]);
  });

  it("returns a cohort it reached to the last good update, not to the failed release it contains", async () => {
    const w = await heldTrain();
    // r1 could not revert a (r2 had entered it): a runs r2, which contains r1.
    expect(w.driver.reverts()).toEqual(["prod.b"]);
    await w.append(abort("r2", "contains r1's bug"));
    await w.controller().run();
    expect(w.finished().r2).toBe("aborted");
    expect(w.driver.reverts()).toEqual(["prod.b", "prod.a"]);
    // Back on r0, the update before r1: neither r1 (failed) nor r2 (aborted) stays anywhere.
    for (const s of ["prod.a", "prod.b", "prod.c"]) expect(w.driver.pinOf(s)?.release).toBe("r0");
    // r3 was held for r1 already; aborting a held release holds no one for it.
    expect(held(w).map((e) => [e.release, e.cause])).toEqual([
      ["r2", "r1"],
      ["r3", "r1"],
    ]);
  });
});

describe("unholding a release", () => {
  it("lets it on through every wave; it is not held again for the same cause", async () => {
    const w = await heldTrain();
    await w.append(abort("r2", "contains r1's bug"));
    await w.append({ type: "train-unheld", release: "r3", by: "bob", reason: "r3 fixes r1" });
    expect((await w.controller().run()).outcome).toBe("idle");
    expect(w.finished()).toEqual({ r1: "failed", r2: "aborted", r3: "completed" });
    for (const s of ["prod.a", "prod.b", "prod.c"]) expect(w.driver.pinOf(s)?.release).toBe("r3");
    expect(held(w).filter((e) => e.release === "r3")).toHaveLength(1);
  });
});

describe("aborting a release in flight", () => {
  it("cancels its running update, reverts most critical first, ends aborted and holds the releases behind it", async () => {
    const w = new TrainWorld(
      waves(
        // One release per 45 minutes into the canary: r2 has not entered it when r1 is aborted.
        [cohort("canary", { cadence: { minIntervalMs: 45 * MIN, timeZone: "UTC" } })],
        [cohort("x"), cohort("y"), cohort("z")],
      ),
      policy({ order: "queue" }),
    );
    // y's update takes half an hour: the abort lands while it runs.
    w.driver.applyMsOf.set("prod.y", 30 * MIN);
    await w.submit("r1");
    await w.submit("r2");
    const run = w.controller().run();
    await w.clock.sleep(15 * MIN);
    const yStarted = w.driver.calls.find((c) => c.op === "apply" && c.stack === "prod.y");
    expect(yStarted?.release).toBe("r1");
    await w.append(abort("r1", "customer-visible latency"));
    const abortedAt = w.clock.now();
    const result = await run;
    expect(result.outcome).toBe("needs-human");

    // The running update was cut short when the controller saw the abort, not at its end.
    expect(w.driver.cancels).toHaveLength(1);
    const cancel = w.driver.cancels.find((c) => c.stack === "prod.y");
    expect(cancel?.at).toBeLessThan(abortedAt + 2 * MIN);
    const yFailed = w
      .records()
      .find((r) => r.event.type === "failed" && r.event.cohort === "y")?.event;
    expect(yFailed).toMatchObject({ release: "r1", cause: "cancelled" });

    // Every cohort it reached is back on r0, the wave's cohorts before the canary.
    const reverting = w
      .records()
      .flatMap((r) =>
        r.event.type === "reverting" && r.event.release === "r1" ? [r.event.cohort] : [],
      );
    expect(reverting.slice(0, 3).sort()).toEqual(["x", "y", "z"]);
    expect(reverting.slice(3)).toEqual(["canary"]);
    // Reverts run concurrently: none of the wave's waits behind the canary's; y's starts once
    // its cancelled update has stopped.
    const revertAt = (c: string) =>
      w.driver.calls.find((x) => x.op === "revert" && x.stack === `prod.${c}`)?.at ?? NaN;
    for (const c of ["x", "z"]) expect(revertAt(c)).toBeLessThanOrEqual(revertAt("canary"));
    expect(revertAt("y")).toBeGreaterThanOrEqual(cancel?.at ?? NaN);
    expect(revertAt("y")).toBeLessThan(abortedAt + 5 * MIN);
    for (const c of ["canary", "x", "y", "z"])
      expect(w.driver.pinOf(`prod.${c}`)?.release).toBe("r0");

    // Aborted, not failed: the cancelled update is the abort's doing.
    expect(w.finished()).toEqual({ r1: "aborted" });
    // r2 contains r1: it holds, with who aborted r1 and why, and entered nothing.
    expect(held(w)).toEqual([
      {
        type: "train-held",
        release: "r2",
        cause: "r1",
        reason:
          "r1 was aborted by alice (customer-visible latency); r2 contains it and holds until a human decides",
      },
    ]);
    expect(w.entries().filter((e) => e.release === "r2")).toEqual([]);
  });
});

describe("status --train for a held release", () => {
  it("shows why it is held and the exact commands that decide it, as data and text", async () => {
    const w = await heldTrain();
    const st = trainStatus(await w.controller().refresh(), w.clock.now(), {
      unhold: (r) => `cohort-rollout unhold --release ${r}`,
      abort: (r) => `cohort-rollout abort --release ${r}`,
    });
    const r2 = st.releases.find((r) => r.release === "r2");
    expect(r2).toMatchObject({
      state: "held",
      held: { cause: "r1", reason: expect.stringContaining("r1 failed at b") as unknown },
      decide: {
        unhold: "cohort-rollout unhold --release r2",
        abort: "cohort-rollout abort --release r2",
      },
    });
    const text = formatTrainStatus(st);
    expect(text).toMatch(
      /r2 \[held\][\s\S]*held: r1 failed at b[\s\S]*cohort-rollout unhold --release r2[\s\S]*cohort-rollout abort --release r2/,
    );
    // Without commands (a library caller), nothing is invented.
    expect(trainStatus(await w.controller().refresh(), w.clock.now()).releases[0]?.decide).toBe(
      undefined,
    );
  });
});
