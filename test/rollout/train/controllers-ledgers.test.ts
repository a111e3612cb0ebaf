/**
 * One controller per environment on BOTH ledgers (the file ledger, and DynamoDB on moto):
 *  - a second controller started while the first is held mid-update (a hold point in the
 *    driver, released by the test) gets `lease-held` and records nothing; nobody acts twice;
 *  - a controller killed mid-step (right after recording an update's start, before running
 *    it; its lease never released) is taken over, once the lease expires, by a controller that
 *    starts from the snapshot plus the ledger's tail, to the same outcome as a run never killed.
 * Interleavings are forced by hold points and kill hooks; the clock jumps on every sleep (no
 * virtual-time scheduler, whose "everyone is parked" test is unsound with real I/O).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  DynamoDbLedger,
  createLedgerTable,
} from "../../../stacks/rollout/adapters/dynamodb-ledger.js";
import { DynamoDbSnapshotStore } from "../../../stacks/rollout/adapters/train-dynamodb-store.js";
import {
  FileSnapshotStore,
  TailedFileLedger,
  snapshotPathFor,
} from "../../../stacks/rollout/adapters/train-file-store.js";
import type { RolloutEvent } from "../../../stacks/rollout/core/events.js";
import type { Ledger, LedgerRecord, Release } from "../../../stacks/rollout/core/ports.js";
import type { SnapshotStore } from "../../../stacks/rollout/core/train/compaction.js";
import {
  type TailLedger,
  TrainController,
} from "../../../stacks/rollout/executor/train-controller.js";
import {
  awsTestClientConfig,
  ensureMoto,
  sharedMoto,
  type MotoServer,
} from "../../support/moto.js";
import { FakeClock } from "../../kit/clock.js";
import { CrashError } from "../../kit/ledger.js";
import { MIN, TrainWorld, cohort, policy, waves } from "./train-world.js";

const TTL = 5 * MIN;
const START = Date.parse("2026-12-01T10:00:00Z");

/** Time moves only when someone sleeps, by exactly that much: no scheduler to race real I/O. */
class JumpClock extends FakeClock {
  override sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted)
      return Promise.reject(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
    this.sleeps.push(ms);
    this.t = this.t + Math.max(0, ms);
    // A macrotask turn, so a loop that sleeps lets I/O callbacks run.
    return new Promise((resolve) => setImmediate(resolve));
  }
}

type TrainLedger = Ledger<unknown> & TailLedger;

/** A ledger backend: a fresh environment's ledger and its snapshot store, per call. */
interface Backend {
  name: string;
  /** A new environment; returns a factory of ledger handles onto it (one per controller). */
  environment(clock: FakeClock): () => { ledger: TrainLedger; snapshots: SnapshotStore };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const fileBackend: Backend = {
  name: "file ledger",
  environment(clock) {
    const dir = mkdtempSync(join(tmpdir(), "train-ctl-"));
    dirs.push(dir);
    const path = join(dir, "prod.jsonl");
    return () => ({
      ledger: new TailedFileLedger(path, { now: () => clock.now() }),
      snapshots: new FileSnapshotStore(snapshotPathFor(path)),
    });
  },
};

const TABLE = "train-controllers";
const moto = await ensureMoto();
let aws: MotoServer | undefined;
const dynamos: DynamoDbLedger[] = [];
let envCount = 0;

const dynamoBackend: Backend = {
  name: "DynamoDB ledger (moto)",
  environment(clock) {
    const environment = `prod-${String(++envCount)}`;
    return () => {
      if (!aws) throw new Error("moto is not running");
      const ledger = new DynamoDbLedger({
        ...awsTestClientConfig(aws.endpoint),
        tableName: TABLE,
        environment,
        now: () => clock.now(),
      });
      dynamos.push(ledger);
      return { ledger, snapshots: DynamoDbSnapshotStore.beside(ledger) };
    };
  },
};

class Train extends TrainWorld {
  private readonly handle: () => { ledger: TrainLedger; snapshots: SnapshotStore };
  constructor(backend: Backend) {
    const clock = new JumpClock(START);
    super(
      waves([cohort("a")], [cohort("b"), cohort("c")]),
      policy({ order: "queue" }),
      START,
      clock,
    );
    this.handle = backend.environment(clock);
  }

  /** A controller on its own ledger handle; `kill` ends its process right after that append. */
  controllerOn(owner: string, kill?: (e: RolloutEvent) => boolean): TrainController {
    const { ledger, snapshots } = this.handle();
    let dead = false;
    const append = ledger.append.bind(ledger);
    const release = ledger.releaseLease.bind(ledger);
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
      if (!dead) await release(o);
    };
    return new TrainController(
      { driver: this.driver, gate: this.gate, ledger, clock: this.clock, snapshots },
      { owner, leaseTtlMs: TTL, gateBackoffMs: 10, snapshotEvery: 3 },
    );
  }

  async submitBoth(): Promise<void> {
    const { ledger } = this.handle();
    for (const id of ["r1", "r2"]) {
      const n = (await ledger.read()).length;
      await ledger.append(
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
    return (await this.handle().ledger.read()).map((r) => r.event as RolloutEvent);
  }

  async outcome(): Promise<{ finished: string[]; pins: Record<string, string | undefined> }> {
    const finished = (await this.events()).flatMap((e) =>
      e.type === "train-finished" ? [`${e.release}:${e.outcome}`] : [],
    );
    const pins = Object.fromEntries(
      ["prod.a", "prod.b", "prod.c"].map((s) => [s, this.driver.pinOf(s)?.release]),
    );
    return { finished, pins };
  }

  /**
   * A hold point: the update of `stack` to `release` stops until the test lets it go.
   * `reached` resolves when the controller is inside it.
   */
  holdApply(stack: string, release: string): { reached: Promise<void>; go: () => void } {
    let reachedResolve = (): void => undefined;
    let go = (): void => undefined;
    const reached = new Promise<void>((r) => (reachedResolve = r));
    const gate = new Promise<void>((r) => (go = r));
    const apply = this.driver.apply.bind(this.driver);
    this.driver.apply = async (s: string, rel: Release, ...rest) => {
      if (s === stack && rel.id === release) {
        reachedResolve();
        await gate;
      }
      return apply(s, rel, ...rest);
    };
    return { reached, go };
  }
}

/** Every (release, cohort) entered and started at most once: nobody acted twice. */
function actedOnce(events: RolloutEvent[]): void {
  const key = (e: RolloutEvent) => `${e.release}@${"cohort" in e ? e.cohort : ""}`;
  const entered = events.filter((e) => e.type === "train-entered").map(key);
  const applying = events.filter((e) => e.type === "applying").map(key);
  expect(new Set(entered).size).toBe(entered.length);
  expect(new Set(applying).size).toBe(applying.length);
}

const backends: { backend: Backend; skip: string | undefined }[] = [
  { backend: fileBackend, skip: undefined },
  { backend: dynamoBackend, skip: moto.available ? undefined : (moto.reason ?? "no moto") },
];

beforeAll(async () => {
  if (!moto.available) return;
  aws = await sharedMoto();
  await createLedgerTable(TABLE, awsTestClientConfig(aws.endpoint));
}, 120_000);

afterAll(async () => {
  for (const l of dynamos) l.close();
  await aws?.stop();
});

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== undefined)(
    `two train controllers on the ${backend.name} ${skip ?? ""}`,
    () => {
      it("a second controller started while the first is mid-update records nothing; nobody acts twice", async () => {
        const w = new Train(backend);
        w.bad = (c, r) => c === "b" && r === "r2";
        await w.submitBoth();
        const hold = w.holdApply("prod.a", "r1");
        const first = w.controllerOn("host:1");
        const run1 = first.run();
        await hold.reached;
        const before = (await w.events()).length;
        const second = await w.controllerOn("host:2").run();
        expect(second.outcome).toBe("lease-held");
        expect(second.reason).toContain("host:1");
        expect((await w.events()).length).toBe(before);
        hold.go();
        expect((await run1).outcome).toBe("idle");
        expect(await w.outcome()).toMatchObject({ finished: ["r1:completed", "r2:failed"] });
        actedOnce(await w.events());
        // One update per release and stack, plus the reverts of r2.
        const applies = w.driver.calls.filter((c) => c.op === "apply").map((c) => c.stack);
        expect(applies.filter((s) => s === "prod.a")).toHaveLength(2);
      }, 60_000);

      it("a controller killed mid-step is taken over, after its lease expires, to the same outcome", async () => {
        const reference = new Train(backend);
        reference.bad = (c, r) => c === "b" && r === "r2";
        await reference.submitBoth();
        expect((await reference.controllerOn("host:1").run()).outcome).toBe("idle");
        const expected = await reference.outcome();
        expect(expected.finished).toEqual(["r1:completed", "r2:failed"]);

        const w = new Train(backend);
        w.bad = reference.bad;
        await w.submitBoth();
        const killed = w.controllerOn(
          "host:1",
          (e) => e.type === "applying" && e.release === "r1" && e.cohort === "b",
        );
        await expect(killed.run()).rejects.toThrow(CrashError);
        expect(w.driver.pinOf("prod.b")?.release).toBe("r0");
        // The dead controller's lease still holds: a successor does nothing until it expires.
        const early = await w.controllerOn("host:2").run();
        expect(early.outcome).toBe("lease-held");
        expect(early.reason).toContain("host:1");
        await w.clock.sleep(TTL + 1);
        const successor = w.controllerOn("host:2");
        expect((await successor.run()).outcome).toBe("idle");
        expect(await w.outcome()).toEqual(expected);
        // It found r1's update of b with no outcome, refreshed the stack and applied again.
        const attempts = (await w.events()).flatMap((e) =>
          e.type === "applying" && e.release === "r1" && e.cohort === "b" ? [e.attempt] : [],
        );
        expect(attempts).toEqual([1, 2]);
        expect(w.driver.calls.some((c) => c.op === "refresh" && c.stack === "prod.b")).toBe(true);
      }, 60_000);
    },
  );
}
