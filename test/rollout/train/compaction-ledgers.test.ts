/**
 * Compaction through the real stores, on BOTH ledgers (the file ledger, and DynamoDB on moto):
 * a train's records are written to the ledger, a snapshot of the state at a random cut is
 * saved through the ledger's snapshot store (file beside the ledger; DynamoDB item at -1,
 * gzipped), and a fresh controller — which loads that snapshot and reads only the ledger's
 * tail after it — decides exactly as a fold of the whole ledger does, now and later
 * (a fast-check property). A stale snapshot never replaces a newer one.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
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
import type { Ledger } from "../../../stacks/rollout/core/ports.js";
import { type SnapshotStore, snapshotOf } from "../../../stacks/rollout/core/train/compaction.js";
import { decideTrain } from "../../../stacks/rollout/core/train/scheduler.js";
import { type TrainRecord, foldTrain } from "../../../stacks/rollout/core/train/state.js";
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
import { runTrain, scenario } from "./train-scenarios.js";
import { MIN } from "./train-world.js";

type TrainLedger = Ledger<unknown> & TailLedger;

interface Store {
  ledger: TrainLedger;
  snapshots: SnapshotStore;
  /** The time the next append records (the ledger stamps `at` itself). */
  at: { now: number };
}

interface Backend {
  name: string;
  /** A fresh, empty environment. */
  create(): Store;
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const fileBackend: Backend = {
  name: "file ledger",
  create() {
    const dir = mkdtempSync(join(tmpdir(), "train-compact-"));
    dirs.push(dir);
    const path = join(dir, "prod.jsonl");
    const at = { now: 0 };
    return {
      ledger: new TailedFileLedger(path, { now: () => at.now }),
      snapshots: new FileSnapshotStore(snapshotPathFor(path)),
      at,
    };
  },
};

const TABLE = "train-compaction";
const moto = await ensureMoto();
let aws: MotoServer | undefined;
const dynamos: DynamoDbLedger[] = [];
let envCount = 0;

const dynamoBackend: Backend = {
  name: "DynamoDB ledger (moto)",
  create() {
    if (!aws) throw new Error("moto is not running");
    const at = { now: 0 };
    const ledger = new DynamoDbLedger({
      ...awsTestClientConfig(aws.endpoint),
      tableName: TABLE,
      environment: `prod-${String(++envCount)}`,
      now: () => at.now,
    });
    dynamos.push(ledger);
    return { ledger, snapshots: DynamoDbSnapshotStore.beside(ledger), at };
  },
};

beforeAll(async () => {
  if (!moto.available) return;
  aws = await sharedMoto();
  await createLedgerTable(TABLE, awsTestClientConfig(aws.endpoint));
}, 120_000);

afterAll(async () => {
  for (const l of dynamos) l.close();
  await aws?.stop();
});

/** Writes `records` to the store's ledger with their own times. */
async function write(store: Store, records: TrainRecord[]): Promise<void> {
  for (const r of records) {
    store.at.now = r.at;
    await store.ledger.append(r.event, r.seq);
  }
}

/** A controller that only reads (never runs): its refresh() is the controller's fold. */
function reader(store: Store): TrainController {
  return new TrainController(
    {
      driver: undefined as never,
      gate: undefined as never,
      clock: new FakeClock(0),
      ledger: store.ledger,
      snapshots: store.snapshots,
    },
    { owner: "reader" },
  );
}

const backends = [
  { backend: fileBackend, skip: undefined, runs: 12 },
  {
    backend: dynamoBackend,
    skip: moto.available ? undefined : (moto.reason ?? "no moto"),
    runs: 6,
  },
];

for (const { backend, skip, runs } of backends) {
  describe.skipIf(skip !== undefined)(
    `train compaction on the ${backend.name} ${skip ?? ""}`,
    () => {
      it("a controller from the stored snapshot plus the tail decides as the whole ledger does", async () => {
        await fc.assert(
          fc.asyncProperty(
            scenario,
            // Percentages, not doubles: fast-check's doubles favour 0 and 1 (a cut at the
            // ends, where a snapshot is empty or has nothing after it).
            fc.integer({ min: 10, max: 90 }),
            fc.integer({ min: 20, max: 100 }),
            async (s, cut, end) => {
              // The ledger as it stood at a random point of the train (n), compacted at k <= n.
              const all = await runTrain(s);
              const n = Math.max(2, Math.floor((end / 100) * all.length));
              const records = all.slice(0, n);
              const k = Math.max(1, Math.floor((cut / 100) * n));
              const store = backend.create();
              await write(store, records.slice(0, k));
              await store.snapshots.save(snapshotOf(foldTrain(records.slice(0, k))));
              await write(store, records.slice(k));

              const full = foldTrain(
                (await store.ledger.read()).map((r) => ({
                  seq: r.seq,
                  at: r.at,
                  event: r.event as TrainRecord["event"],
                })),
              );
              expect(full.lastSeq).toBe(n);
              const compacted = await reader(store).refresh();
              expect(compacted.lastSeq).toBe(n);
              // The same state (so every decision, at any time, is the same) ...
              expect(snapshotOf(compacted)).toEqual(snapshotOf(full));
              // ... and the same decisions now and later.
              for (const dt of [0, 5_000, 11 * MIN, 3 * 60 * MIN]) {
                const now = full.lastAt + dt;
                expect(decideTrain(compacted, now)).toEqual(decideTrain(full, now));
              }
              // The tail read returns only what is after the snapshot.
              expect((await store.ledger.readAfter(k)).map((r) => r.seq)).toEqual(
                records.slice(k).map((r) => r.seq),
              );
            },
          ),
          { numRuns: runs },
        );
      }, 300_000);

      it("keeps the newest snapshot: a late save of an older one is ignored", async () => {
        const records = await runTrain({
          releases: 3,
          order: "queue",
          observationMs: 0,
          bad: [],
          lateSubmit: 0,
          unhold: false,
          abortHeld: false,
        });
        const store = backend.create();
        await write(store, records);
        const newer = snapshotOf(foldTrain(records));
        const older = snapshotOf(foldTrain(records.slice(0, 3)));
        await store.snapshots.save(newer);
        await store.snapshots.save(older);
        expect((await store.snapshots.load())?.seq).toBe(newer.seq);
      }, 60_000);
    },
  );
}
