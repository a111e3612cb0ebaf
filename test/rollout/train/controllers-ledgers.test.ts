/**
 * One controller per environment on BOTH ledgers (the file ledger, and DynamoDB on moto):
 *  - a second controller started while the first is held mid-update (a hold point in the
 *    driver, released by the test) gets `lease-held` and records nothing; nobody acts twice;
 *  - a controller killed mid-step (right after recording an update's start, before running
 *    it; its lease never released) is taken over, once the lease expires, by a controller that
 *    starts from the snapshot plus the ledger's tail, to the same outcome as a run never killed;
 *  - a controller that pauses past its lease (its loop stopped at a renewal, its update held
 *    open in the driver) while another takes over is fenced out: when its update completes,
 *    its append is refused by the ledger and recorded nowhere, it stops with `lease-lost`,
 *    and the new holder ends as a run never interrupted.
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
import {
  type Ledger,
  type LeaseFence,
  LeaseLostError,
  type LedgerRecord,
  type Release,
} from "../../../stacks/rollout/core/ports.js";
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

/** A latch: `entered` resolves when someone reaches it, who waits there until `go()`. */
class Latch {
  armed = false;
  private enter = (): void => undefined;
  readonly entered = new Promise<void>((r) => (this.enter = r));
  go = (): void => undefined;
  private readonly gate = new Promise<void>((r) => (this.go = r));
  /** Waits here while armed (a process stopped, as by SIGSTOP, at this point). */
  async pass(): Promise<void> {
    if (!this.armed) return;
    this.enter();
    await this.gate;
  }
}

/** Hooks on one controller's ledger handle. */
interface Hooks {
  /** Ends the process right after this append. */
  kill?: (e: RolloutEvent) => boolean;
  /** Every lease renewal passes it first (armed: the controller's loop is paused). */
  renew?: Latch;
  /** Told of every append attempt, with its error when refused. */
  appended?: (e: RolloutEvent, error?: unknown) => void;
}

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
  controllerOn(
    owner: string,
    kill?: (e: RolloutEvent) => boolean,
    hooks: Hooks = {},
  ): TrainController {
    const { ledger, snapshots } = this.handle();
    let dead = false;
    const append = ledger.append.bind(ledger);
    const release = ledger.releaseLease.bind(ledger);
    const renew = ledger.renewLease.bind(ledger);
    ledger.renewLease = async (o: string, ttl: number, epoch?: number): Promise<boolean> => {
      await hooks.renew?.pass();
      return renew(o, ttl, epoch);
    };
    // A kill: the record is written, then the process is gone — no more writes, no lease release.
    ledger.append = async (
      event: unknown,
      seq: number,
      fence?: LeaseFence,
    ): Promise<LedgerRecord<unknown>> => {
      if (dead) throw new CrashError();
      let rec: LedgerRecord<unknown>;
      try {
        rec = await append(event, seq, fence);
      } catch (err) {
        hooks.appended?.(event as RolloutEvent, err);
        throw err;
      }
      hooks.appended?.(event as RolloutEvent);
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

  /** Hold points for the next `n` updates of `stack` to `release`, one latch per update in turn. */
  holdApplies(stack: string, release: string, n: number): Latch[] {
    const latches = Array.from({ length: n }, () => Object.assign(new Latch(), { armed: true }));
    const queue = [...latches];
    const apply = this.driver.apply.bind(this.driver);
    this.driver.apply = async (s: string, rel: Release, ...rest) => {
      if (s === stack && rel.id === release) await queue.shift()?.pass();
      return apply(s, rel, ...rest);
    };
    return latches;
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

/** Every (release, cohort) entered at most once, and at most one outcome per update. */
function actedOnceAfter(events: RolloutEvent[]): void {
  const key = (e: RolloutEvent) => `${e.release}@${"cohort" in e ? e.cohort : ""}`;
  const entered = events.filter((e) => e.type === "train-entered").map(key);
  const applied = events.filter((e) => e.type === "applied").map(key);
  expect(new Set(entered).size).toBe(entered.length);
  expect(new Set(applied).size).toBe(applied.length);
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

      it("a controller paused past its lease is fenced out: its late outcome is recorded nowhere", async () => {
        const reference = new Train(backend);
        reference.bad = (c, r) => c === "b" && r === "r2";
        await reference.submitBoth();
        expect((await reference.controllerOn("host:1").run()).outcome).toBe("idle");
        const expected = await reference.outcome();

        const w = new Train(backend);
        w.bad = reference.bad;
        await w.submitBoth();
        // r1's update of a: the first (A's) and the second (B's, its recovery) held in turn.
        const [holdA, holdB] = w.holdApplies("prod.a", "r1", 2);
        if (!holdA || !holdB) throw new Error("two hold points");
        const pauseA = new Latch();
        let lateAppend = (_: unknown): void => undefined;
        const late = new Promise<unknown>((r) => (lateAppend = r));
        const a = w.controllerOn("host:1", undefined, {
          renew: pauseA,
          // The append's last word: a conflict is retried at the ledger's end, so not that.
          appended: (e, error) => {
            if (e.type !== "applied") return;
            if ((error as { code?: string } | undefined)?.code === "LEDGER_CONFLICT") return;
            lateAppend(error ?? "appended");
          },
        });
        const runA = a.run();
        await holdA.entered;
        // A's process stops (GC pause, SIGSTOP) at its next renewal, its update still open.
        pauseA.armed = true;
        await pauseA.entered;
        await w.clock.sleep(TTL + 1);
        const b = w.controllerOn("host:2");
        const runB = b.run();
        // B took the lease over, found r1's update of a with no outcome and is re-applying it.
        await holdB.entered;
        const before = await w.events();
        expect(before.at(-1)).toMatchObject({
          type: "applying",
          release: "r1",
          cohort: "a",
          attempt: 2,
        });
        // A's update completes now, under B's lease: its `applied` must be refused.
        holdA.go();
        const refused = await late;
        expect(refused).toBeInstanceOf(LeaseLostError);
        expect((refused as LeaseLostError).holder).toMatchObject({ owner: "host:2" });
        expect(await w.events()).toEqual(before);
        holdB.go();
        expect((await runB).outcome).toBe("idle");
        pauseA.go();
        const resA = await runA;
        expect(resA.outcome).toBe("lease-lost");
        expect(resA.reason).toContain("another controller took the lease over");
        // B ends as a run never interrupted; A's update was recorded once, by B's recovery.
        expect(await w.outcome()).toEqual(expected);
        const events = await w.events();
        actedOnceAfter(events);
        const applied = events.filter(
          (e) => e.type === "applied" && e.release === "r1" && e.cohort === "a",
        );
        expect(applied).toHaveLength(1);
      }, 60_000);
    },
  );
}
