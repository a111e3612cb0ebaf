/**
 * One controller per environment, on the file ledger: a second controller started while the
 * first holds the lease does nothing; a controller killed mid-step (right after recording an
 * update's start, before running it) is taken over once its lease expires — from the file
 * snapshot plus the ledger's tail — to the same outcome as a run that was never killed.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  FileSnapshotStore,
  TailedFileLedger,
  snapshotPathFor,
} from "../../../stacks/rollout/adapters/train-file-store.js";
import type { RolloutEvent } from "../../../stacks/rollout/core/events.js";
import type { LedgerRecord, Release } from "../../../stacks/rollout/core/ports.js";
import { TrainController } from "../../../stacks/rollout/executor/train-controller.js";
import { CrashError } from "../../kit/ledger.js";
import { MIN, TrainWorld, cohort, policy, waves } from "./train-world.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const TTL = 5 * MIN;

/** A train world whose ledger is a file; `killAt` kills the controller after that append. */
class FileTrain extends TrainWorld {
  readonly path: string;
  constructor() {
    super(waves([cohort("a")], [cohort("b"), cohort("c")]), policy({ order: "queue" }));
    const dir = mkdtempSync(join(tmpdir(), "train-"));
    dirs.push(dir);
    this.path = join(dir, "prod.jsonl");
  }
  file(): TailedFileLedger {
    return new TailedFileLedger(this.path, { now: () => this.clock.now() });
  }
  controller2(owner: string, kill?: (e: RolloutEvent) => boolean): TrainController {
    const ledger = this.file();
    let dead = false;
    const append = ledger.append.bind(ledger);
    // A kill: the record is written, then the process is gone — no more writes, no lease release.
    ledger.append = async (event: unknown, seq: number): Promise<LedgerRecord<unknown>> => {
      if (dead) throw new CrashError();
      const rec = await append(event, seq);
      if (kill?.(event as RolloutEvent)) {
        dead = true;
        throw new CrashError();
      }
      return rec;
    };
    ledger.releaseLease = async (o: string): Promise<void> => {
      if (!dead) await TailedFileLedger.prototype.releaseLease.call(ledger, o);
    };
    return new TrainController(
      {
        driver: this.driver,
        gate: this.gate,
        ledger,
        clock: this.clock,
        snapshots: new FileSnapshotStore(snapshotPathFor(this.path)),
      },
      { owner, leaseTtlMs: TTL, gateBackoffMs: 10, snapshotEvery: 5 },
    );
  }
  async submitAll(): Promise<void> {
    const l = this.file();
    for (const id of ["r1", "r2"]) {
      const n = (await l.read()).length;
      await l.append(
        {
          type: "train-submitted",
          release: id,
          environment: "prod",
          releaseSpec: { id, version: `v-${id}`, config: {} },
          waves: this.plan,
          policy: this.trainPolicy,
        },
        n + 1,
      );
    }
  }
  async events(): Promise<RolloutEvent[]> {
    return (await this.file().read()).map((r) => r.event as RolloutEvent);
  }
  pins(): Record<string, string | undefined> {
    return Object.fromEntries(
      ["prod.a", "prod.b", "prod.c"].map((s) => [s, this.driver.pinOf(s)?.release]),
    );
  }
}

async function outcomeOf(w: FileTrain): Promise<unknown> {
  const finished = (await w.events())
    .filter((e) => e.type === "train-finished")
    .map((e) => `${e.release}:${e.type === "train-finished" ? e.outcome : ""}`);
  return { finished, pins: w.pins() };
}

describe("train controllers on one environment (file ledger)", () => {
  it("a second controller does nothing while the first holds the lease", async () => {
    const w = new FileTrain();
    w.bad = (c, r) => c === "b" && r === "r2";
    await w.submitAll();
    const first = w.controller2("host:1");
    const second = w.controller2("host:2");
    // Forced interleaving: the second starts while the first is held inside r1's update of a
    // (a hold point in the driver, released by the test), so the first appends nothing
    // meanwhile. Not a clock sleep: the virtual clock's "everyone is parked" is unsound with
    // the file ledger's real I/O, and would let the first act during the second's run.
    let reached = (): void => undefined;
    let go = (): void => undefined;
    const inside = new Promise<void>((r) => (reached = r));
    const gate = new Promise<void>((r) => (go = r));
    const apply = w.driver.apply.bind(w.driver);
    w.driver.apply = async (stack: string, release: Release, ...rest) => {
      if (stack === "prod.a" && release.id === "r1") {
        reached();
        await gate;
      }
      return apply(stack, release, ...rest);
    };
    const run1 = first.run();
    await inside;
    const before = (await w.events()).length;
    const r2 = await second.run();
    expect(r2.outcome).toBe("lease-held");
    expect(r2.reason).toContain("host:1");
    expect((await w.events()).length).toBe(before);
    go();
    expect((await run1).outcome).toBe("idle");
    // Exactly one entry per release and cohort: nobody acted twice.
    const entries = (await w.events())
      .filter((e) => e.type === "train-entered")
      .map((e) => `${e.release}@${"cohort" in e ? e.cohort : ""}`);
    expect(new Set(entries).size).toBe(entries.length);
  });

  it("a controller killed mid-step is taken over to the same outcome as an uninterrupted run", async () => {
    const reference = new FileTrain();
    reference.bad = (c, r) => c === "b" && r === "r2";
    await reference.submitAll();
    expect((await reference.controller2("host:1").run()).outcome).toBe("idle");
    expect(await outcomeOf(reference)).toMatchObject({ finished: ["r1:completed", "r2:failed"] });

    const w = new FileTrain();
    w.bad = reference.bad;
    await w.submitAll();
    // Killed right after recording r1's update of b, before running it.
    const killed = w.controller2(
      "host:1",
      (e) => e.type === "applying" && e.release === "r1" && e.cohort === "b",
    );
    await expect(killed.run()).rejects.toThrow(CrashError);
    expect(w.driver.pinOf("prod.b")?.release).toBe("r0");
    // The lease is still the dead controller's: a successor waits for it to expire.
    const early = await w.controller2("host:2").run();
    expect(early.outcome).toBe("lease-held");
    await w.clock.sleep(TTL);
    // The successor starts from the snapshot the killed one saved, then reads the tail.
    expect(existsSync(snapshotPathFor(w.path))).toBe(true);
    const successor = w.controller2("host:2");
    const done = await successor.run();
    expect(done.outcome).toBe("idle");
    expect(await outcomeOf(w)).toEqual(await outcomeOf(reference));
    // It found the update with no outcome, refreshed the stack and applied again (attempt 2).
    const applying = (await w.events()).filter(
      (e) => e.type === "applying" && e.release === "r1" && e.cohort === "b",
    );
    expect(applying.map((e) => (e.type === "applying" ? e.attempt : 0))).toEqual([1, 2]);
    expect(w.driver.calls.some((c) => c.op === "refresh" && c.stack === "prod.b")).toBe(true);
  });
});
