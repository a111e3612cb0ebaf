/**
 * The file ledger: JSON Lines, one fsync'd record per append, expectedSeq
 * conflicts, a torn last line after a crash (ignored with a warning, cut off
 * by the next append, never corrupting), corruption elsewhere (refused), and
 * the lease (exclusive, expiring, taken over from a dead holder).
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { FileLedger } from "../../stacks/rollout/adapters/ledger-file.js";
import { LeaseLostError, LedgerConflictError } from "../../stacks/rollout/core/ports.js";
import { TailedFileLedger } from "../../stacks/rollout/adapters/train-file-store.js";

let path: string;
let now: number;
let warnings: string[];
const ledger = () => new FileLedger(path, { now: () => now, warn: (m) => warnings.push(m) });

beforeEach(() => {
  path = join(mkdtempSync(join(tmpdir(), "ledger-")), "nested", "prod.ledger.jsonl");
  now = 1_000;
  warnings = [];
});

describe("records", () => {
  it("appends one JSON line per event with consecutive sequence numbers, and reads them back", async () => {
    const l = ledger();
    expect(await l.read()).toEqual([]);
    await l.append({ type: "a" }, 1);
    now = 2_000;
    const rec = await l.append({ type: "b", n: 2 }, 2);
    expect(rec).toEqual({ seq: 2, at: 2_000, event: { type: "b", n: 2 } });
    const lines = readFileSync(path, "utf8").split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe("");
    expect(JSON.parse(lines[0] ?? "")).toEqual({ seq: 1, at: 1_000, event: { type: "a" } });
    // A second instance (another process) sees the same records.
    expect((await ledger().read()).map((r) => r.seq)).toEqual([1, 2]);
  });

  it("refuses an append at the wrong sequence number with LedgerConflictError", async () => {
    const l = ledger();
    await l.append({ type: "a" }, 1);
    const err = await l.append({ type: "stale" }, 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerConflictError);
    expect(err).toMatchObject({ expectedSeq: 1, actualNext: 2, code: "LEDGER_CONFLICT" });
    await expect(l.append({ type: "ahead" }, 5)).rejects.toBeInstanceOf(LedgerConflictError);
    expect((await l.read()).map((r) => r.event)).toEqual([{ type: "a" }]);
  });

  it("serialises concurrent appenders: exactly one wins each sequence number", async () => {
    const a = ledger();
    const b = ledger();
    const results = await Promise.allSettled([a.append({ w: "a" }, 1), b.append({ w: "b" }, 1)]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected");
    expect(rejected?.status === "rejected" && rejected.reason).toBeInstanceOf(LedgerConflictError);
    expect(await a.read()).toHaveLength(1);
  });

  it("ignores a torn last line with a warning; the next append cuts it off and the file stays valid", async () => {
    const l = ledger();
    await l.append({ type: "a" }, 1);
    appendFileSync(path, '{"seq":2,"at":1000,"event":{"ty'); // the process died mid-write
    expect((await l.read()).map((r) => r.seq)).toEqual([1]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("torn last line");
    await l.append({ type: "b" }, 2);
    const text = readFileSync(path, "utf8");
    expect(
      text
        .split("\n")
        .filter(Boolean)
        .map((x) => JSON.parse(x) as unknown),
    ).toEqual([
      { seq: 1, at: 1_000, event: { type: "a" } },
      { seq: 2, at: 1_000, event: { type: "b" } },
    ]);
  });

  it("a complete record without its newline was never acknowledged: it is torn too", async () => {
    const l = ledger();
    await l.append({ type: "a" }, 1);
    appendFileSync(path, JSON.stringify({ seq: 2, at: 1, event: { type: "b" } }));
    expect(await l.read()).toHaveLength(1);
    await l.append({ type: "c" }, 2);
    expect((await l.read()).map((r) => r.event)).toEqual([{ type: "a" }, { type: "c" }]);
  });

  it("refuses corruption before the last line, naming the line", async () => {
    const l = ledger();
    await l.append({ type: "a" }, 1);
    appendFileSync(path, "not json\n");
    await l.append({ type: "b" }, 2).catch(() => undefined);
    await expect(l.read()).rejects.toThrow(/prod\.ledger\.jsonl:2: corrupt ledger line/);
    writeFileSync(
      path,
      JSON.stringify({ seq: 1, at: 1, event: {} }) +
        "\n" +
        JSON.stringify({ seq: 3, at: 1, event: {} }) +
        "\n",
    );
    await expect(l.read()).rejects.toThrow(/sequence gap: expected #2, found #3/);
  });
});

describe("lease", () => {
  it("one holder at a time; another sees who holds it and until when", async () => {
    const a = ledger();
    const b = ledger();
    expect((await a.acquireLease("deploy@a", 60_000)).acquired).toBe(true);
    const denied = await b.acquireLease("deploy@b", 60_000);
    expect(denied).toEqual({
      acquired: false,
      lease: { owner: "deploy@a", expiresAt: 61_000, epoch: 1 },
    });
    expect(await b.renewLease("deploy@b", 60_000)).toBe(false);
    // The holder may re-acquire and renew.
    expect((await a.acquireLease("deploy@a", 60_000)).acquired).toBe(true);
    now = 30_000;
    expect(await a.renewLease("deploy@a", 60_000)).toBe(true);
    now = 61_500; // past the first expiry, not the renewed one
    expect((await b.acquireLease("deploy@b", 60_000)).acquired).toBe(false);
    await a.releaseLease("deploy@a");
    expect((await b.acquireLease("deploy@b", 60_000)).acquired).toBe(true);
  });

  it("an expired lease is taken over", async () => {
    expect((await ledger().acquireLease("deploy@a", 10_000)).acquired).toBe(true);
    now = 11_001;
    expect((await ledger().acquireLease("deploy@b", 10_000)).acquired).toBe(true);
    expect(await ledger().renewLease("deploy@a", 10_000)).toBe(false);
  });

  it("fencing: a new epoch per acquisition (a release never lets one come back); a taken-over holder's fenced append is refused under the lock", async () => {
    for (const make of [ledger, () => new TailedFileLedger(path, { now: () => now })]) {
      path = join(mkdtempSync(join(tmpdir(), "ledger-")), "prod.ledger.jsonl");
      now = 1_000;
      const a = make();
      const b = make();
      expect((await a.acquireLease("ctl-a", 60_000)).lease.epoch).toBe(1);
      const fenceA = { owner: "ctl-a", epoch: 1 };
      await a.append({ type: "one" }, 1, fenceA);
      now += 60_001; // A paused past its lease; B takes it over
      expect(await b.acquireLease("ctl-b", 60_000)).toMatchObject({
        acquired: true,
        lease: { owner: "ctl-b", epoch: 2 },
      });
      const refused = a.append({ type: "late" }, 2, fenceA);
      await expect(refused).rejects.toBeInstanceOf(LeaseLostError);
      await expect(refused).rejects.toMatchObject({ holder: { owner: "ctl-b", epoch: 2 } });
      expect(await a.renewLease("ctl-a", 60_000, 1)).toBe(false);
      // B's fenced append and an operator's unfenced one land; A's is nowhere.
      await b.append({ type: "b" }, 2, { owner: "ctl-b", epoch: 2 });
      await a.append({ type: "operator" }, 3);
      expect((await a.read()).map((r) => (r.event as { type: string }).type)).toEqual([
        "one",
        "b",
        "operator",
      ]);
      // Released (the lease file removed), then acquired again: the epoch still grows.
      await b.releaseLease("ctl-b");
      await expect(b.append({ type: "x" }, 4, { owner: "ctl-b", epoch: 2 })).rejects.toBeInstanceOf(
        LeaseLostError,
      );
      expect((await a.acquireLease("ctl-a", 60_000)).lease.epoch).toBe(3);
      await expect(a.append({ type: "y" }, 4, fenceA)).rejects.toBeInstanceOf(LeaseLostError);
      expect(await a.read()).toHaveLength(3);
    }
  });

  it("a lease whose holder process is dead (kill -9) is taken over at once", async () => {
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
      encoding: "utf8",
    });
    const pid = Number(dead.stdout);
    await ledger().acquireLease("warm-up", 1); // creates the directory
    await ledger().releaseLease("warm-up");
    writeFileSync(
      `${path}.lease`,
      JSON.stringify({ owner: "deploy@gone", pid, host: hostname(), expiresAt: now + 600_000 }),
    );
    const got = await ledger().acquireLease("resume@me", 60_000);
    expect(got.acquired).toBe(true);
  });
});
