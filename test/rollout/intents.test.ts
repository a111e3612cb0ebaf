/**
 * Operators' commands only submit intents (core/intents.ts) through the executor's writer:
 * an intent that already holds appends nothing; an intent that meets another writer is asked
 * again on the newer ledger (and may then hold, or be refused); and every append any command
 * makes, driven through the real CLI, comes from executor/writer.ts.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CliIo } from "../../stacks/rollout/cli/commands/context.js";
import { main } from "../../stacks/rollout/cli/main.js";
import type { RolloutEvent } from "../../stacks/rollout/core/events.js";
import { type Intent, intentEvent } from "../../stacks/rollout/core/intents.js";
import type { Ledger, LedgerRecord } from "../../stacks/rollout/core/ports.js";
import type { RolloutState } from "../../stacks/rollout/core/state.js";
import { LedgerWriter } from "../../stacks/rollout/executor/writer.js";
import { FakeClock } from "../kit/clock.js";
import { FileWorld, threeCohortWorld, worldPorts } from "../kit/file-world.js";
import { MemoryLedger } from "../kit/ledger.js";
import { harness } from "./support/harness.js";

/** Submits `intent` twice: what each submission appended. */
async function twice(writer: LedgerWriter, ledger: MemoryLedger, intent: Intent) {
  const before = ledger.records.length;
  await writer.submitIntent(() => intent);
  const first = ledger.events().slice(before);
  await writer.submitIntent(() => intent);
  const second = ledger.events().slice(before + first.length);
  return { first: first.map((e) => e.type), second: second.map((e) => e.type) };
}

describe("an intent that already holds", () => {
  it("appends nothing: pause, abort, revert-cohort, approve, reject twice; resume and plan of what holds", async () => {
    const h = await harness({ approvalFor: { enterprise: ["alice"] } });
    const w = new LedgerWriter(h.ledger);
    const r = h.releaseId;
    expect(await twice(w, h.ledger, { kind: "pause", release: r, by: "a" })).toEqual({
      first: ["paused"],
      second: [],
    });
    expect(await twice(w, h.ledger, { kind: "resume", release: r, by: "a" })).toEqual({
      first: ["resumed"],
      second: [],
    });
    expect(await twice(w, h.ledger, { kind: "abort", release: r, by: "a" })).toEqual({
      first: ["abort-requested"],
      second: [],
    });
    expect(await twice(w, h.ledger, { kind: "revert-cohort", release: r, cohort: "free" })).toEqual(
      { first: ["reverting"], second: [] },
    );
    const approve: Intent = { kind: "approve", release: r, wave: 2, by: "alice", reason: "ok" };
    expect(await twice(w, h.ledger, approve)).toEqual({ first: ["approved"], second: [] });
    const reject: Intent = { kind: "reject", release: r, wave: 2, by: "alice", reason: "no" };
    expect(await twice(w, h.ledger, reject)).toEqual({ first: ["rejected"], second: [] });
    const planned = h.ledger.events()[0];
    if (planned?.type !== "planned") throw new Error("the harness plans first");
    expect(await twice(w, h.ledger, { kind: "plan", planned })).toEqual({ first: [], second: [] });
  });

  it("means no event on a state where it holds, and names no release the ledger lacks", async () => {
    const h = await harness();
    const { state } = await h.runner.writer.read();
    expect(intentEvent(state, { kind: "resume", release: h.releaseId, by: "a" })).toBeUndefined();
    expect(intentEvent(state, { kind: "pause", release: "nope", by: "a" })).toBeUndefined();
    expect(intentEvent(state, { kind: "pause", release: h.releaseId, by: "a" })).toMatchObject({
      type: "paused",
      release: h.releaseId,
    });
  });
});

/** A ledger where another writer appends `theirs` just before our first append lands. */
class RacedLedger extends MemoryLedger {
  raced = false;
  constructor(
    clock: FakeClock,
    private readonly theirs: RolloutEvent,
  ) {
    super(clock);
  }
  override async append(event: unknown, expectedSeq: number): Promise<LedgerRecord<unknown>> {
    if (!this.raced) {
      this.raced = true;
      await super.append(this.theirs, this.records.length + 1);
    }
    return super.append(event, expectedSeq);
  }
}

async function racedLedger(theirs: RolloutEvent): Promise<RacedLedger> {
  const h = await harness();
  const ledger = new RacedLedger(h.clock, theirs);
  ledger.records = h.ledger.records;
  return ledger;
}

describe("an intent that meets another writer", () => {
  it("is asked again on the newer ledger: a pause another terminal recorded first holds, nothing more is appended", async () => {
    const ledger = await racedLedger({ type: "paused", release: "r1", by: "other@1" });
    const seen: boolean[] = [];
    const done = await new LedgerWriter(ledger).submitIntent((s: RolloutState) => {
      seen.push(s.releases.get("r1")?.paused ?? false);
      return { kind: "pause", release: "r1", by: "me@2" };
    });
    // Decided twice: on the ledger it read first (not paused), then on the one it conflicted with.
    expect(seen).toEqual([false, true]);
    expect(done.record).toBeUndefined();
    expect(ledger.events().map((e) => e.type)).toEqual(["planned", "paused"]);
    expect(ledger.events()[1]).toMatchObject({ by: "other@1" });
  });

  it("is refused when the newer ledger no longer fits it: an approval after a rejection got in first", async () => {
    const ledger = await racedLedger({
      type: "rejected",
      release: "r1",
      wave: 1,
      planSeq: 1,
      by: "bob",
      reason: "no",
    });
    const refusal = new LedgerWriter(ledger).submitIntent((s) => {
      // The command's own check (approval-commands.ts): a rejected release is past approving.
      if (s.releases.get("r1")?.rejection) throw new Error("release r1 was rejected");
      return { kind: "approve", release: "r1", wave: 1, by: "alice", reason: "ok" };
    });
    await expect(refusal).rejects.toThrow("release r1 was rejected");
    expect(ledger.events().map((e) => e.type)).toEqual(["planned", "rejected"]);
  });
});

/** Wraps a ledger: every append notes whether it came through executor/writer.ts. */
function watched(ledger: Ledger<unknown>, appends: { type: string; viaWriter: boolean }[]) {
  return new Proxy(ledger, {
    get(target, key, receiver) {
      if (key !== "append") return Reflect.get(target, key, receiver) as unknown;
      return (event: RolloutEvent, seq: number) => {
        const stack = new Error("append").stack ?? "";
        appends.push({ type: event.type, viaWriter: /executor[/\\]writer\.ts/.test(stack) });
        return target.append(event, seq);
      };
    },
  });
}

describe("every command's append", () => {
  it("goes through the executor's writer: deploy, pause, resume, approve, reject, abort, revert", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rollout-intents-"));
    writeFileSync(join(dir, "Pulumi.yaml"), "name: cohort-service\nruntime: nodejs\n");
    const clock = new FakeClock(Date.UTC(2026, 10, 22));
    const world = FileWorld.create(join(dir, "world.json"), threeCohortWorld(), clock);
    const appends: { type: string; viaWriter: boolean }[] = [];
    const ports = worldPorts(world, clock);
    const io: CliIo = { stdout: () => undefined, stderr: () => undefined, isTTY: false, env: {} };
    const cli = (...args: string[]) =>
      main([...args, "--environment", "prod", "--project-dir", dir], {
        io,
        ports: async (req) => {
          const built = await ports(req);
          return { ...built, ledger: watched(built.ledger, appends) };
        },
      });
    const deploy = (id: string, ...more: string[]) =>
      cli("deploy", "--release", id, "--version", `v-${id}`, ...more);
    // r1 waits for approval before its last wave; pause and resume it; approve, then complete it.
    expect(await deploy("r1", "--approve-before", "enterprise")).toBe(3);
    expect(await cli("pause", "--release", "r1")).toBe(0);
    expect(await cli("resume", "--release", "r1")).toBe(3);
    expect(
      await cli("approve", "--release", "r1", "--wave", "3", "--by", "alice", "--reason", "ok"),
    ).toBe(0);
    expect(await cli("resume", "--release", "r1")).toBe(0);
    // A manual revert of a cohort of the finished release.
    expect(await cli("revert", "--cohort", "pro")).toBe(0);
    // r2 is rejected while waiting; r3 is aborted while waiting.
    expect(await deploy("r2", "--approve-before", "enterprise")).toBe(3);
    expect(
      await cli("reject", "--release", "r2", "--wave", "3", "--by", "b", "--reason", "no"),
    ).toBe(1);
    expect(await deploy("r3", "--approve-before", "enterprise")).toBe(3);
    expect(await cli("abort", "--release", "r3")).toBe(1);

    const types = new Set(appends.map((a) => a.type));
    for (const t of ["planned", "paused", "resumed", "approved", "rejected", "abort-requested"])
      expect(types).toContain(t);
    expect(appends.filter((a) => a.type === "reverting").length).toBeGreaterThan(0);
    expect(appends.filter((a) => !a.viaWriter)).toEqual([]);
  });
});

describe("a finished release's manual revert", () => {
  it("is the runner's: refresh, revert, `reverted` recorded as manual; the release stays completed", async () => {
    const h = await harness();
    expect((await h.run()).outcome).toBe("completed");
    const before = h.driver.calls.length;
    await h.runner.writer.submitIntent(() => ({
      kind: "revert-cohort",
      release: h.releaseId,
      cohort: "pro",
    }));
    const again = await h.run();
    expect(again.outcome).toBe("completed");
    expect(h.driver.calls.slice(before).map((c) => `${c.op} ${c.stack}`)).toEqual([
      "refresh prod.pro",
      "revert prod.pro",
    ]);
    expect(h.driver.pinOf("prod.pro")?.version).toBe("1.0.0");
    expect(h.ledger.events().slice(-2)).toMatchObject([
      { type: "reverting", cohort: "pro", manual: true },
      { type: "reverted", cohort: "pro", manual: true },
    ]);
  });

  it("tries once: a failed revert is recorded as manual with the command to retry, not retried", async () => {
    const h = await harness();
    expect((await h.run()).outcome).toBe("completed");
    h.driver.failRevert.add("prod.pro");
    await h.runner.writer.submitIntent(() => ({
      kind: "revert-cohort",
      release: h.releaseId,
      cohort: "pro",
    }));
    const again = await h.run();
    expect(again.outcome).toBe("completed");
    expect(h.driver.reverts()).toEqual(["prod.pro"]);
    expect(h.ledger.events().at(-1)).toMatchObject({
      type: "revert-failed",
      cohort: "pro",
      manual: true,
      recoverCommand: "cohort-rollout revert --cohort pro",
    });
    expect(again.state?.targets.get("pro")?.phase).toBe("revert-failed");
  });
});
