/**
 * DynamoDbLedger against moto's DynamoDB: ordering, conditional appends,
 * the lease (contention, expiry, takeover by another process), and two
 * concurrent deploy-like processes of which exactly one proceeds.
 */
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { DynamoDBClient, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createLedgerTable,
  DynamoDbLedger,
} from "../../stacks/rollout/adapters/dynamodb-ledger.js";
import { LeaseLostError, LedgerConflictError } from "../../stacks/rollout/core/ports.js";
import { awsTestClientConfig, ensureMoto, sharedMoto, type MotoServer } from "../support/moto.js";

const run = promisify(execFile);
const CHILD = join(dirname(fileURLToPath(import.meta.url)), "ledger-child.ts");
const TABLE = "cohort-rollout-ledger";

const moto = await ensureMoto();

describe.skipIf(!moto.available)(`DynamoDbLedger against moto ${moto.reason ?? ""}`, () => {
  let aws: MotoServer;
  const ledgers: DynamoDbLedger[] = [];
  const ledger = (environment: string, now?: () => number) => {
    const l = new DynamoDbLedger({
      ...awsTestClientConfig(aws.endpoint),
      tableName: TABLE,
      environment,
      ...(now ? { now } : {}),
    });
    ledgers.push(l);
    return l;
  };
  const child = async (
    mode: "acquire" | "deploy",
    environment: string,
    owner: string,
    ttlMs: number,
  ) => {
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", CHILD, mode, aws.endpoint, TABLE, environment, owner, String(ttlMs)],
      {
        timeout: 60_000,
      },
    );
    return JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as {
      acquired?: boolean;
      lease?: { owner: string; expiresAt: number };
      appended?: number;
      error?: string;
    };
  };

  beforeAll(async () => {
    aws = await sharedMoto();
    await createLedgerTable(TABLE, awsTestClientConfig(aws.endpoint));
    // Idempotent: a second call leaves the table alone.
    await createLedgerTable(TABLE, awsTestClientConfig(aws.endpoint));
  });

  afterAll(async () => {
    for (const l of ledgers) l.close();
    await aws.stop();
  });

  it("appends and reads back in order, per environment", async () => {
    const prod = ledger("prod-order");
    const staging = ledger("staging-order");
    for (let seq = 1; seq <= 5; seq++)
      await prod.append({ type: "e", n: seq, nested: { ok: true } }, seq);
    await staging.append({ type: "other" }, 1);
    const records = await prod.read();
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(records.map((r) => (r.event as { n: number }).n)).toEqual([1, 2, 3, 4, 5]);
    expect(records[0]?.event).toEqual({ type: "e", n: 1, nested: { ok: true } });
    expect(records.every((r) => typeof r.at === "number" && r.at > 0)).toBe(true);
    expect((await staging.read()).map((r) => r.event)).toEqual([{ type: "other" }]);
  });

  it("reads past one page of results (DynamoDB pages Query at 1 MB)", async () => {
    const client = new DynamoDBClient(awsTestClientConfig(aws.endpoint));
    let queries = 0;
    client.middlewareStack.add(
      (next, context) => (args) => {
        if (context.commandName === "QueryCommand") queries++;
        return next(args);
      },
      { step: "initialize" },
    );
    const big = new DynamoDbLedger({ client, tableName: TABLE, environment: "prod-big" });
    ledgers.push(big);
    const payload = "x".repeat(20_000);
    for (let seq = 1; seq <= 60; seq++) await big.append({ seq, payload }, seq);
    queries = 0;
    const records = await big.read();
    expect(records).toHaveLength(60);
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(queries).toBeGreaterThan(1);
  }, 120_000);

  it("rejects an append at a taken, skipped or invalid sequence number with the actual next one", async () => {
    const l = ledger("prod-conflict");
    await l.append({ type: "a" }, 1);
    await l.append({ type: "b" }, 2);
    for (const wrong of [1, 2, 4, 10, 0, -1, 1.5]) {
      const error = await l.append({ type: "late" }, wrong).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LedgerConflictError);
      expect(error).toMatchObject({ code: "LEDGER_CONFLICT", expectedSeq: wrong, actualNext: 3 });
    }
    expect((await l.read()).map((r) => r.event)).toEqual([{ type: "a" }, { type: "b" }]);
  });

  /** A client whose commands named `command` pass through `fault` (a deserialize-step middleware). */
  const faultyLedger = (
    environment: string,
    maxAttempts: number,
    fault: (send: () => Promise<unknown>, commandName: string) => Promise<unknown>,
  ) => {
    const client = new DynamoDBClient({ ...awsTestClientConfig(aws.endpoint), maxAttempts });
    client.middlewareStack.add(
      (next, context) => (args) =>
        fault(() => next(args), context.commandName ?? "") as ReturnType<typeof next>,
      { step: "deserialize", name: "injectedFault" },
    );
    const l = new DynamoDbLedger({ client, tableName: TABLE, environment });
    ledgers.push(l);
    return l;
  };
  const WRITES = new Set(["PutItemCommand", "TransactWriteItemsCommand"]);
  /** The first write lands, then its response is lost as a reset connection would lose it. */
  const dropFirstWriteResponse = () => {
    let dropped = 0;
    const fault = async (send: () => Promise<unknown>, command: string) => {
      const response = await send();
      if (WRITES.has(command) && dropped === 0) {
        dropped++;
        throw Object.assign(new Error("socket hang up (injected after the write landed)"), {
          code: "ECONNRESET",
          $metadata: {},
        });
      }
      return response;
    };
    return { fault, dropped: () => dropped };
  };

  for (const seq of [1, 2]) {
    it(`an append of #${String(seq)} whose response was lost and retried by the SDK recognises its own event`, async () => {
      const environment = `prod-lost-retried-${String(seq)}`;
      if (seq === 2) await ledger(environment).append({ type: "first" }, 1);
      const drop = dropFirstWriteResponse();
      const l = faultyLedger(environment, 3, drop.fault);
      const record = await l.append({ type: "mine" }, seq);
      expect(drop.dropped()).toBe(1);
      expect(record).toMatchObject({ seq, event: { type: "mine" } });
      const events = (await l.read()).map((r) => r.event);
      expect(events.at(-1)).toEqual({ type: "mine" });
      expect(events).toHaveLength(seq);
    });
  }

  it("an append whose response was lost without an SDK retry (a timeout) reads back and succeeds", async () => {
    await ledger("prod-lost-once").append({ type: "first" }, 1);
    const drop = dropFirstWriteResponse();
    const l = faultyLedger("prod-lost-once", 1, drop.fault);
    await expect(l.append({ type: "mine" }, 2)).resolves.toMatchObject({ seq: 2 });
    expect(drop.dropped()).toBe(1);
    expect((await l.read()).map((r) => r.event)).toEqual([{ type: "first" }, { type: "mine" }]);
  });

  it("a failure that did not write is rethrown as itself, never as a conflict", async () => {
    await ledger("prod-unwritten").append({ type: "first" }, 1);
    const l = faultyLedger("prod-unwritten", 1, (send, command) => {
      if (WRITES.has(command)) {
        return Promise.reject(
          Object.assign(new Error("injected: connect ETIMEDOUT"), { $metadata: {} }),
        );
      }
      return send();
    });
    const error = await l.append({ type: "lost" }, 2).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(LedgerConflictError);
    expect(String(error)).toContain("ETIMEDOUT");
    expect((await l.read()).map((r) => r.seq)).toEqual([1]);
  });

  it("a transaction cancelled for TransactionConflict (not a failed condition) is retried, not a conflict", async () => {
    await ledger("prod-txn-conflict").append({ type: "first" }, 1);
    let cancelled = 0;
    const l = faultyLedger("prod-txn-conflict", 1, (send, command) => {
      if (command === "TransactWriteItemsCommand" && cancelled < 2) {
        cancelled++;
        return Promise.reject(
          new TransactionCanceledException({
            message: "Transaction cancelled (injected)",
            $metadata: {},
            CancellationReasons: [{ Code: "None" }, { Code: "TransactionConflict" }],
          }),
        );
      }
      return send();
    });
    await expect(l.append({ type: "mine" }, 2)).resolves.toMatchObject({ seq: 2 });
    expect(cancelled).toBe(2);
    expect((await l.read()).map((r) => r.seq)).toEqual([1, 2]);
  });

  it("lets exactly one of two concurrent writers write sequence number N", async () => {
    // Both writes are held until both are about to be sent, so they are in flight together
    // every round, whatever the machine's load.
    let waiting: (() => void)[] = [];
    const together = (send: () => Promise<unknown>, command: string) => {
      if (!WRITES.has(command)) return send();
      return new Promise<void>((resolve) => {
        waiting.push(resolve);
        if (waiting.length === 2) {
          for (const go of waiting) go();
          waiting = [];
        }
      }).then(send);
    };
    const a = faultyLedger("prod-race", 1, together);
    const b = faultyLedger("prod-race", 1, together);
    await ledger("prod-race").append({ type: "start" }, 1);
    for (let seq = 2; seq <= 6; seq++) {
      const results = await Promise.allSettled([
        a.append({ by: "a", seq }, seq),
        b.append({ by: "b", seq }, seq),
      ]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const rejected = results.find((r) => r.status === "rejected");
      expect(rejected?.reason).toBeInstanceOf(LedgerConflictError);
      expect(rejected?.reason).toMatchObject({ expectedSeq: seq, actualNext: seq + 1 });
    }
    const records = await a.read();
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("holds the lease against another owner, renews it, and hands it over on release", async () => {
    const a = ledger("prod-lease");
    const b = ledger("prod-lease");
    const first = await a.acquireLease("runner-a", 60_000);
    expect(first.acquired).toBe(true);
    const contended = await b.acquireLease("runner-b", 60_000);
    expect(contended).toEqual({ acquired: false, lease: first.lease });
    expect(await a.acquireLease("runner-a", 60_000)).toMatchObject({ acquired: true });
    expect(await a.renewLease("runner-a", 120_000)).toBe(true);
    expect(await b.renewLease("runner-b", 120_000)).toBe(false);
    await b.releaseLease("runner-b"); // not the holder: no effect
    expect((await a.currentLease())?.owner).toBe("runner-a");
    await a.releaseLease("runner-a");
    expect(await a.currentLease()).toBeUndefined();
    expect(await b.acquireLease("runner-b", 60_000)).toMatchObject({
      acquired: true,
      lease: { owner: "runner-b" },
    });
  });

  it("an expired lease is taken over by another process; the old holder can no longer renew", async () => {
    const a = ledger("prod-expiry");
    expect((await a.acquireLease("runner-a", 60_000)).acquired).toBe(true);
    // While it is valid, another process cannot take it.
    const blocked = await child("acquire", "prod-expiry", "runner-b", 60_000);
    expect(blocked).toMatchObject({ acquired: false, lease: { owner: "runner-a" } });

    expect((await a.acquireLease("runner-a", 300)).acquired).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const takeover = await child("acquire", "prod-expiry", "runner-b", 60_000);
    expect(takeover).toMatchObject({ acquired: true, lease: { owner: "runner-b" } });
    expect(await a.renewLease("runner-a", 60_000)).toBe(false);
    expect(await a.acquireLease("runner-a", 60_000)).toMatchObject({
      acquired: false,
      lease: { owner: "runner-b" },
    });
  }, 120_000);

  it("fencing: a new epoch per acquisition (a release never lets one come back); a taken-over holder's fenced append is refused in its transaction", async () => {
    let now = 1_000;
    const a = ledger("prod-fence", () => now);
    const b = ledger("prod-fence", () => now);
    const first = await a.acquireLease("ctl-a", 60_000);
    expect(first.lease.epoch).toBe(1);
    const fenceA = { owner: "ctl-a", epoch: 1 };
    await a.append({ type: "one" }, 1, fenceA); // seq 1: the lease check and the Put together
    await a.append({ type: "two" }, 2, fenceA);
    now += 60_001; // A paused past its lease; B takes it over
    const second = await b.acquireLease("ctl-b", 60_000);
    expect(second).toMatchObject({ acquired: true, lease: { owner: "ctl-b", epoch: 2 } });
    const refused = a.append({ type: "late" }, 3, fenceA);
    await expect(refused).rejects.toBeInstanceOf(LeaseLostError);
    await expect(refused).rejects.toMatchObject({ holder: { owner: "ctl-b", epoch: 2 } });
    expect(await a.renewLease("ctl-a", 60_000, 1)).toBe(false);
    // B's fenced appends and an operator's unfenced one land; A's is nowhere.
    await b.append({ type: "b" }, 3, { owner: "ctl-b", epoch: 2 });
    await a.append({ type: "operator" }, 4);
    expect((await a.read()).map((r) => (r.event as { type: string }).type)).toEqual([
      "one",
      "two",
      "b",
      "operator",
    ]);
    // Released, then acquired again: the epoch still grows (the item keeps it).
    await b.releaseLease("ctl-b");
    expect(await a.currentLease()).toBeUndefined();
    await expect(b.append({ type: "x" }, 5, { owner: "ctl-b", epoch: 2 })).rejects.toBeInstanceOf(
      LeaseLostError,
    );
    expect((await a.acquireLease("ctl-a", 60_000)).lease.epoch).toBe(3);
    // The same owner, an older acquisition: refused too.
    await expect(a.append({ type: "y" }, 5, fenceA)).rejects.toBeInstanceOf(LeaseLostError);
    expect(await a.read()).toHaveLength(4);
  });

  it("of two concurrent deploy processes exactly one proceeds, and only its events are recorded", async () => {
    const results = await Promise.all([
      child("deploy", "prod-deploy", "deploy-1", 60_000),
      child("deploy", "prod-deploy", "deploy-2", 60_000),
    ]);
    expect(results.map((r) => r.error)).toEqual([undefined, undefined]);
    const proceeded = results.filter((r) => r.acquired);
    expect(proceeded).toHaveLength(1);
    const winner = proceeded[0]?.lease?.owner;
    const loser = results.find((r) => !r.acquired);
    expect(loser?.lease?.owner).toBe(winner);
    const events = (await ledger("prod-deploy").read()).map(
      (r) => r.event as { owner: string; type: string },
    );
    expect(events).toEqual([
      { type: "deploy-started", owner: winner },
      { type: "wave-applied", owner: winner },
    ]);
  }, 120_000);
});
