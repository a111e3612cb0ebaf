/**
 * Failures in a train, on a fake clock: a release failing mid-train (earlier ones go on, later
 * ones hold for a human with the reason), a latent failure in the observation window after the
 * bake, and a concurrent wave where one cohort fails while another's update still runs.
 */
import { describe, expect, it } from "vitest";
import { decideTrain } from "../../../stacks/rollout/core/train/scheduler.js";
import { MIN, TrainWorld, cohort, policy, waves } from "./train-world.js";

describe("a failure in the middle of a train", () => {
  it("reverts the failed release, holds every later one with the reason, and lets earlier ones finish", async () => {
    const w = new TrainWorld(
      waves([cohort("a")], [cohort("b")], [cohort("c")]),
      policy({ order: "queue" }),
    );
    w.bad = (c, release) => c === "b" && release === "r2";
    for (const r of ["r1", "r2", "r3"]) await w.submit(r);
    const result = await w.controller().run();
    expect(result.outcome).toBe("needs-human");
    expect(w.finished()).toEqual({ r1: "completed", r2: "failed" });
    // r2 reached a and b; b is back on r1's update. r3 (held) had entered a since: a is r3's.
    expect(w.driver.pinOf("prod.a")?.release).toBe("r3");
    expect(w.driver.reverts()).toEqual(["prod.b"]);
    expect(w.driver.pinOf("prod.b")?.release).toBe("r1");
    expect(w.driver.pinOf("prod.c")?.release).toBe("r1");
    const held = w.records().find((r) => r.event.type === "train-held");
    expect(held?.event).toMatchObject({ release: "r3", cause: "r2" });
    // r3 had entered a (behind r2) and stays there: no entry into b.
    expect(w.orderAt("b")).toEqual(["r1", "r2"]);
    const waits = decideTrain(result.state, w.clock.now()).waits;
    expect(waits).toContainEqual(
      expect.objectContaining({
        release: "r3",
        waitingFor: "human",
        reason: expect.stringContaining("r2 failed at b") as unknown,
      }),
    );
  });

  it("goes on once a human releases the hold", async () => {
    const w = new TrainWorld(waves([cohort("a")], [cohort("b")]), policy({ order: "queue" }));
    w.bad = (c, release) => c === "b" && release === "r1";
    await w.submit("r1");
    await w.submit("r2");
    expect((await w.controller().run()).outcome).toBe("needs-human");
    await w.append({
      type: "train-unheld",
      release: "r2",
      by: "alice",
      reason: "r2 carries the fix",
    });
    expect((await w.controller().run()).outcome).toBe("idle");
    expect(w.finished()).toEqual({ r1: "failed", r2: "completed" });
    expect(w.driver.pinOf("prod.b")?.release).toBe("r2");
  });
});

describe("a latent failure", () => {
  it("reverts the cohort that failed late and every cohort the release reached since, and holds the train", async () => {
    const w = new TrainWorld(
      waves([cohort("canary")], [cohort("a", { observationMs: 60 * MIN })], [cohort("b")]),
      policy({ order: "queue" }),
    );
    let passedAtA: number | undefined;
    w.bad = (c, release, now) => {
      if (c !== "a" || release !== "r1") return false;
      passedAtA ??= w
        .records()
        .find((r) => r.event.type === "passed" && r.event.cohort === "a")?.at;
      // Healthy through the bake; the change activates 15 minutes into the observation window.
      return passedAtA !== undefined && now >= passedAtA + 15 * MIN;
    };
    await w.submit("r1");
    await w.submit("r2");
    const result = await w.controller().run();
    expect(result.outcome).toBe("needs-human");
    // r1 had moved on to b when a failed late: a and b are reverted, the canary keeps r1.
    const bEntered = w.timeOf(
      (e) => e.type === "train-entered" && e.release === "r1" && e.cohort === "b",
    );
    const failed = w.records().find((r) => r.event.type === "failed");
    expect(failed?.event).toMatchObject({
      release: "r1",
      cohort: "a",
      reason: expect.stringContaining("latent activation") as unknown,
    });
    expect(failed?.at).toBeGreaterThan(bEntered);
    expect(w.driver.reverts().sort()).toEqual(["prod.a", "prod.b"]);
    expect(w.driver.pinOf("prod.a")?.release).toBe("r0");
    expect(w.driver.pinOf("prod.canary")?.release).not.toBe("r0");
    expect(w.finished().r1).toBe("failed");
    expect(w.records().find((r) => r.event.type === "train-held")?.event).toMatchObject({
      release: "r2",
      cause: "r1",
    });
    // The observation window kept a from taking r2 while it watched r1.
    expect(w.orderAt("a")).toEqual(["r1"]);
  });
});

describe("a concurrent wave where one cohort fails", () => {
  it("cancels the wave's running update, reverts every cohort the release reached, and holds the next release", async () => {
    const w = new TrainWorld(
      waves([cohort("canary")], [cohort("x"), cohort("y"), cohort("z")]),
      policy({ order: "queue" }),
    );
    w.driver.applyMsOf.set("prod.y", 30 * MIN);
    w.bad = (c, release) => c === "x" && release === "r1";
    await w.submit("r1");
    await w.submit("r2");
    const result = await w.controller().run();
    expect(result.outcome).toBe("needs-human");
    const applies = w.driver.calls.filter((c) => c.op === "apply" && c.release === "r1");
    const waveStart = applies.find((c) => c.stack === "prod.x")?.at;
    expect(
      applies
        .filter((c) => c.at === waveStart)
        .map((c) => c.stack)
        .sort(),
    ).toEqual(["prod.x", "prod.y", "prod.z"]);
    // y's 30-minute update was cut short when x failed in its bake, and y is reverted too.
    expect(w.driver.cancels.map((c) => c.stack)).toContain("prod.y");
    expect(w.driver.cancels.find((c) => c.stack === "prod.y")?.at).toBeLessThan(
      (waveStart ?? 0) + 30 * MIN,
    );
    // The whole wave goes back; the canary is r2's now (it entered once r1 left), held there.
    expect(w.driver.reverts().sort()).toEqual(["prod.x", "prod.y", "prod.z"]);
    for (const s of ["prod.x", "prod.y", "prod.z"]) expect(w.driver.pinOf(s)?.release).toBe("r0");
    expect(w.driver.pinOf("prod.canary")?.release).toBe("r2");
    expect(w.finished()).toEqual({ r1: "failed" });
    expect(w.records().find((r) => r.event.type === "train-held")?.event).toMatchObject({
      release: "r2",
      cause: "r1",
    });
  });
});
