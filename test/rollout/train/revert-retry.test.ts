/**
 * A failed revert in a train has a way forward, as for a single release: once a human fixed
 * the stack, `resume --release R --reason …` records `resumed` (who and why) and the train's
 * controller retries every failed revert of the release, refreshing the stack first; the
 * status's wait names the exact command. On a fake clock, through the real controller.
 */
import { describe, expect, it } from "vitest";
import { decideTrain } from "../../../stacks/rollout/core/train/scheduler.js";
import { formatTrainStatus, trainStatus } from "../../../stacks/rollout/core/train/status.js";
import { TrainWorld, cohort, policy, waves } from "./train-world.js";

const commands = {
  unhold: (r: string) => `cohort-rollout unhold --environment prod --release ${r} --reason "…"`,
  abort: (r: string) => `cohort-rollout abort --environment prod --release ${r} --reason "…"`,
  resume: (r: string) => `cohort-rollout resume --environment prod --release ${r} --reason "…"`,
};

describe("a failed revert in a train", () => {
  it("waits for a human naming the command, and `resumed` retries the revert after the stack is fixed", async () => {
    const w = new TrainWorld(waves([cohort("a")], [cohort("b")]), policy({ order: "queue" }));
    w.bad = (c, release) => c === "b" && release === "r1";
    w.driver.failRevert.add("prod.b");
    await w.submit("r1");
    await w.submit("r2");
    const first = await w.controller().run();
    expect(first.outcome).toBe("needs-human");
    expect(w.records().some((r) => r.event.type === "revert-failed")).toBe(true);
    expect(w.finished()).toEqual({});

    const waits = decideTrain(first.state, w.clock.now()).waits;
    expect(waits).toContainEqual(
      expect.objectContaining({
        release: "r1",
        cohort: "b",
        waitingFor: "human",
        reason: expect.stringContaining("resume --release r1") as unknown,
      }),
    );
    const text = formatTrainStatus(trainStatus(first.state, w.clock.now(), commands));
    expect(text).toContain(
      `once the stack is fixed, to retry the revert: ${commands.resume("r1")}`,
    );

    // Running the train again changes nothing: the revert is not retried behind a human's back.
    const again = await w.controller().run();
    expect(again.outcome).toBe("needs-human");
    expect(w.driver.calls.filter((c) => c.op === "revert" && c.stack === "prod.b")).toHaveLength(1);

    // The human fixes the stack, then resumes the release (what `resume --release r1` appends).
    w.driver.failRevert.delete("prod.b");
    const fixedAt = w.clock.now();
    await w.append({
      type: "resumed",
      release: "r1",
      by: "alice",
      reason: "released the stale lock on prod.b",
    });
    const after = await w.controller().run();
    expect(after.outcome).toBe("needs-human"); // r2 stays held for r1, for a human to decide
    expect(w.finished()).toEqual({ r1: "failed" });
    expect(w.driver.pinOf("prod.b")?.release).toBe("r0");
    // Refreshed first (a human changed the stack), then reverted.
    const ops = w.driver.calls
      .filter((c) => c.stack === "prod.b" && c.at >= fixedAt)
      .map((c) => c.op);
    expect(ops.slice(0, 2)).toEqual(["refresh", "revert"]);
    // Who retried and why is ledger data.
    expect(w.records().find((r) => r.event.type === "resumed")?.event).toMatchObject({
      release: "r1",
      by: "alice",
      reason: "released the stale lock on prod.b",
    });
    expect(w.records().find((r) => r.event.type === "train-held")?.event).toMatchObject({
      release: "r2",
      cause: "r1",
    });
  });
});
