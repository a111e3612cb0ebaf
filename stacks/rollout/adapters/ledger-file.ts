/**
 * The embedded default ledger: one append-only JSON Lines file per
 * environment, `{"seq":n,"at":ms,"event":{…}}` per line, fsync'd before
 * `append` resolves. A torn last line (the process died mid-write) is
 * ignored on read and cut off by the next append; a bad line anywhere else
 * is corruption and stops everything.
 *
 * Appends are serialised by a short lock file and checked against
 * `expectedSeq`, so a `pause` from another terminal and the running deploy
 * never interleave silently. The lease (`<file>.lease`, O_EXCL + expiry, and
 * taken over at once when its holder's pid is dead) keeps two runs from
 * driving one environment.
 */
import { promises as fs } from "node:fs";
import { dirname } from "node:path";
import {
  createExclusive,
  holderContent,
  readHolder,
  removeStale,
  withLock,
  isStale,
} from "./file-lock.js";
import { type Lease, type Ledger, LedgerConflictError, type LedgerRecord } from "../core/ports.js";

export interface FileLedgerOptions {
  /** Time source for record timestamps and lease expiry (a virtual clock in tests). */
  now?: () => number;
  /** Where to report a torn last line (default: stderr, once per distinct tail). */
  warn?: (message: string) => void;
}

interface Parsed {
  records: LedgerRecord<unknown>[];
  /** Byte length of the valid prefix (everything but a torn last line). */
  validBytes: number;
  torn: boolean;
}

function parseLedger(path: string, text: string): Parsed {
  const records: LedgerRecord<unknown>[] = [];
  let offset = 0;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const isLast = i === lines.length - 1;
    if (isLast) {
      // Text after the final newline is a write that never finished.
      return { records, validBytes: offset, torn: line.length > 0 };
    }
    const bytes = Buffer.byteLength(line, "utf8") + 1;
    if (line.trim() === "") {
      offset += bytes;
      continue;
    }
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch {
      throw new Error(
        `${path}:${i + 1}: corrupt ledger line (not JSON); move the file aside and inspect it`,
      );
    }
    const r = rec as Partial<LedgerRecord<unknown>>;
    if (typeof r.seq !== "number" || typeof r.at !== "number" || r.event === undefined) {
      throw new Error(`${path}:${i + 1}: corrupt ledger line (needs seq, at, event)`);
    }
    const expected = (records[records.length - 1]?.seq ?? 0) + 1;
    if (r.seq !== expected)
      throw new Error(`${path}:${i + 1}: sequence gap: expected #${expected}, found #${r.seq}`);
    records.push({ seq: r.seq, at: r.at, event: r.event });
    offset += bytes;
  }
  return { records, validBytes: offset, torn: false };
}

export class FileLedger implements Ledger<unknown> {
  private readonly now: () => number;
  private readonly warn: (message: string) => void;
  private warnedTail: string | undefined;
  readonly leasePath: string;
  private readonly lockPath: string;

  constructor(
    readonly path: string,
    options: FileLedgerOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.warn = options.warn ?? ((m) => void process.stderr.write(`warning: ${m}\n`));
    this.leasePath = `${path}.lease`;
    this.lockPath = `${path}.lock`;
  }

  private async load(): Promise<Parsed> {
    let text: string;
    try {
      text = await fs.readFile(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT")
        return { records: [], validBytes: 0, torn: false };
      throw err;
    }
    const parsed = parseLedger(this.path, text);
    if (parsed.torn) {
      const tail = text.slice(text.lastIndexOf("\n") + 1);
      if (tail !== this.warnedTail) {
        this.warnedTail = tail;
        this.warn(
          `${this.path}: ignoring a torn last line (${Buffer.byteLength(tail)} bytes, a write cut off by a crash); the next append removes it`,
        );
      }
    }
    return parsed;
  }

  async read(): Promise<LedgerRecord<unknown>[]> {
    return (await this.load()).records;
  }

  async append(event: unknown, expectedSeq: number): Promise<LedgerRecord<unknown>> {
    await fs.mkdir(dirname(this.path), { recursive: true });
    return withLock(this.lockPath, async () => {
      const parsed = await this.load();
      const next = (parsed.records[parsed.records.length - 1]?.seq ?? 0) + 1;
      if (expectedSeq !== next) throw new LedgerConflictError(expectedSeq, next);
      if (parsed.torn) await fs.truncate(this.path, parsed.validBytes);
      const rec: LedgerRecord<unknown> = { seq: next, at: this.now(), event };
      await appendRecord(this.path, rec, parsed.records.length === 0 && !parsed.torn);
      return rec;
    });
  }

  async acquireLease(owner: string, ttlMs: number): Promise<{ acquired: boolean; lease: Lease }> {
    await fs.mkdir(dirname(this.path), { recursive: true });
    for (let attempt = 0; attempt < 5; attempt++) {
      const expiresAt = this.now() + ttlMs;
      if (await createExclusive(this.leasePath, holderContent(owner, expiresAt))) {
        return { acquired: true, lease: { owner, expiresAt } };
      }
      const holder = await readHolder(this.leasePath);
      if (!holder) continue;
      if (holder.info?.owner === owner) {
        await this.renewLease(owner, ttlMs);
        return { acquired: true, lease: { owner, expiresAt } };
      }
      if (isStale(holder, this.now())) {
        await removeStale(this.leasePath, holder.raw);
        continue;
      }
      const info = holder.info;
      return {
        acquired: false,
        lease: { owner: info?.owner ?? "unknown", expiresAt: info?.expiresAt ?? 0 },
      };
    }
    const holder = await readHolder(this.leasePath);
    return {
      acquired: false,
      lease: { owner: holder?.info?.owner ?? "unknown", expiresAt: holder?.info?.expiresAt ?? 0 },
    };
  }

  async renewLease(owner: string, ttlMs: number): Promise<boolean> {
    const holder = await readHolder(this.leasePath);
    if (holder?.info?.owner !== owner) return false;
    // Write aside then rename: a reader never sees a half-written lease.
    const tmp = `${this.leasePath}.${process.pid}.tmp`;
    await fs.writeFile(tmp, holderContent(owner, this.now() + ttlMs));
    await fs.rename(tmp, this.leasePath);
    return true;
  }

  async releaseLease(owner: string): Promise<void> {
    const holder = await readHolder(this.leasePath);
    if (holder?.info?.owner === owner) await fs.unlink(this.leasePath).catch(() => undefined);
  }
}

/**
 * Appends one record as a line and fsyncs it before returning (the append is then durable);
 * the first record of a new file fsyncs its directory too, so the file itself survives a crash.
 * @param path the ledger file
 * @param rec the record
 * @param created whether this is the file's first record
 */
export async function appendRecord(
  path: string,
  rec: LedgerRecord<unknown>,
  created: boolean,
): Promise<void> {
  const handle = await fs.open(path, "a");
  try {
    await handle.write(JSON.stringify(rec) + "\n");
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (created) await syncDir(dirname(path));
}

async function syncDir(dir: string): Promise<void> {
  // Makes the new file's directory entry durable too; not supported everywhere, so best effort.
  try {
    const handle = await fs.open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    /* best effort */
  }
}
