/**
 * An operator interrupt (Ctrl-C on `cohort-rollout run`) is not a release failure, on a fake
 * clock: the controller's signal aborts while a cohort's update is in flight (forced from
 * inside the driver's update, never timed), the update is cancelled the way pulumi cancels on
 * Ctrl-C, and nothing says the release failed: no `failed`, no revert, no `train-held`. The
 * lease is released, and a second controller re-reads the stack, applies again and ends the
 * train exactly as a run never interrupted.
 */
import { describe, expect, it } from "vitest";
import type { Release } from "../../../stacks/rollout/core/ports.js";
import { TrainWorld, cohort, policy, waves } from "./train-world.js";

/** Two releases through a then (b, c), in order. */
function world(): TrainWorld {
  return new TrainWorld(
    waves([cohort("a")], [cohort("b"), cohort("c")]),
    policy({ order: "queue" }),
  );
}

function pins(w: TrainWorld): Record<string, string | undefined> {
  return Object.fromEntries(
    ["prod.a", "prod.b", "prod.c"].map((s) => [s, w.driver.pinOf(s)?.release]),
  );
}

describe("Ctrl-C on a train controller", () => {
  it("cancels the update in flight without failing its release; the next controller resumes it to the same end", async () => {
    const reference = world();
    await reference.submit("r1");
    await reference.submit("r2");
    expect((await reference.controller().run()).outcome).toBe("idle");
    expect(reference.finished()).toEqual({ r1: "completed", r2: "completed" });

    const w = world();
    await w.submit("r1");
    await w.submit("r2");
    // Ctrl-C arrives while r1's update of b runs (r2 is behind it in a).
    const ctrlC = new AbortController();
    const apply = w.driver.apply.bind(w.driver);
    w.driver.apply = (stack: string, release: Release, ...rest) => {
      const running = apply(stack, release, ...rest);
      if (stack === "prod.b" && release.id === "r1" && !ctrlC.signal.aborted)
        ctrlC.abort(new Error("interrupted by SIGINT"));
      return running;
    };
    const first = await w.controller({ owner: "ctl-1", signal: ctrlC.signal }).run();
    expect(first.outcome).toBe("interrupted");
    expect(first.reason).toBe("interrupted by SIGINT");
    // The update was cancelled and recorded nowhere: r1's update of b stays open.
    expect(w.driver.cancels.map((c) => c.stack)).toEqual(["prod.b"]);
    const types = w.records().map((r) => r.event.type);
    expect(types).not.toContain("failed");
    expect(types).not.toContain("train-held");
    expect(w.records().at(-1)?.event).toMatchObject({
      type: "applying",
      release: "r1",
      cohort: "b",
      attempt: 1,
    });
    expect(w.driver.reverts()).toEqual([]);

    // The lease was released: another controller starts at once and resumes.
    const second = await w.controller({ owner: "ctl-2" }).run();
    expect(second.outcome).toBe("idle");
    expect(w.finished()).toEqual(reference.finished());
    expect(pins(w)).toEqual(pins(reference));
    const after = w.records().map((r) => r.event);
    expect(after.some((e) => e.type === "failed" || e.type === "train-held")).toBe(false);
    // It found r1's update of b open, refreshed the stack and applied again (attempt 2).
    expect(
      after.flatMap((e) =>
        e.type === "applying" && e.release === "r1" && e.cohort === "b" ? [e.attempt] : [],
      ),
    ).toEqual([1, 2]);
    expect(w.driver.calls.some((c) => c.op === "refresh" && c.stack === "prod.b")).toBe(true);
  });

  it("records an update that finished despite the interrupt as applied", async () => {
    const w = world();
    await w.submit("r1");
    const ctrlC = new AbortController();
    const apply = w.driver.apply.bind(w.driver);
    // The interrupt lands as the update returns: it did happen, so it is recorded.
    w.driver.apply = async (stack: string, release: Release, ...rest) => {
      const res = await apply(stack, release, ...rest);
      if (stack === "prod.a") ctrlC.abort(new Error("interrupted by SIGINT"));
      return res;
    };
    const first = await w.controller({ owner: "ctl-1", signal: ctrlC.signal }).run();
    expect(first.outcome).toBe("interrupted");
    expect(w.records().at(-1)?.event).toMatchObject({
      type: "applied",
      release: "r1",
      cohort: "a",
    });
    expect((await w.controller({ owner: "ctl-2" }).run()).outcome).toBe("idle");
    expect(w.finished()).toEqual({ r1: "completed" });
    // Not applied twice: the second controller went on from `applied`.
    expect(w.driver.calls.filter((c) => c.op === "apply" && c.stack === "prod.a")).toHaveLength(1);
  });
});
