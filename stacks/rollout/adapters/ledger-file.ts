/**
 * The embedded default ledger: one append-only JSON Lines file per
 * environment, `{"seq":n,"at":ms,"event":{…}}` per line, fsync'd before
 * `append` resolves. A torn last line (the process died mid-write) is
 * ignored on read and cut off by the next append; a bad line anywhere else
 * is corruption and stops everything.
 *
 * Appends are serialised by a short lock file and checked against
 * `expectedSeq`, so a `pause` from another terminal and the running deploy
 * never interleave silently. The lease (`<file>.lease`, with an expiry, and
 * taken over at once when its holder's pid is dead) keeps two runs from
 * driving one environment.
 *
 * Fencing: every acquisition or takeover gives the lease a new epoch (the
 * counter lives in `<file>.lease-epoch`, so a release never lets an epoch come
 * back), and every lease change happens under the append lock. An append made
 * with a fence checks, under that same lock, that the lease file still names
 * the fence's owner and epoch: a holder that paused past its expiry while
 * another took over cannot write, however late it wakes.
 */
import { promises as fs } from "node:fs";
import { dirname } from "node:path";
import { holderContent, readHolder, withLock, isStale } from "./file-lock.js";
import {
  type Lease,
  type LeaseFence,
  LeaseLostError,
  type Ledger,
  LedgerConflictError,
  type LedgerRecord,
} from "../core/ports.js";

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
  /** The last epoch given out (outlives the lease file, which a release removes). */
  readonly epochPath: string;
  protected readonly lockPath: string;

  constructor(
    readonly path: string,
    options: FileLedgerOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.warn = options.warn ?? ((m) => void process.stderr.write(`warning: ${m}\n`));
    this.leasePath = `${path}.lease`;
    this.epochPath = `${path}.lease-epoch`;
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

  async append(
    event: unknown,
    expectedSeq: number,
    fence?: LeaseFence,
  ): Promise<LedgerRecord<unknown>> {
    await fs.mkdir(dirname(this.path), { recursive: true });
    return withLock(this.lockPath, async () => {
      if (fence) await this.checkFence(fence);
      const parsed = await this.load();
      const next = (parsed.records[parsed.records.length - 1]?.seq ?? 0) + 1;
      if (expectedSeq !== next) throw new LedgerConflictError(expectedSeq, next);
      if (parsed.torn) await fs.truncate(this.path, parsed.validBytes);
      const rec: LedgerRecord<unknown> = { seq: next, at: this.now(), event };
      await appendRecord(this.path, rec, parsed.records.length === 0 && !parsed.torn);
      return rec;
    });
  }

  /**
   * Throws LeaseLostError unless the lease file names `fence`'s owner and epoch. Called under
   * the append lock, which every lease change also takes, so the check holds for the write.
   * @param fence the lease the append is made under
   */
  protected async checkFence(fence: LeaseFence): Promise<void> {
    const info = (await readHolder(this.leasePath))?.info;
    if (info?.owner === fence.owner && info.epoch === fence.epoch) return;
    throw new LeaseLostError(
      fence,
      info
        ? { owner: info.owner, ...(info.epoch !== undefined ? { epoch: info.epoch } : {}) }
        : undefined,
    );
  }

  /** The next epoch, recorded before it is given out (caller holds the lock). */
  private async nextEpoch(seen: number | undefined): Promise<number> {
    let last = 0;
    try {
      last = Number.parseInt(await fs.readFile(this.epochPath, "utf8"), 10) || 0;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    const epoch = Math.max(last, seen ?? 0) + 1;
    await writeDurably(this.epochPath, `${String(epoch)}\n`);
    return epoch;
  }

  async acquireLease(owner: string, ttlMs: number): Promise<{ acquired: boolean; lease: Lease }> {
    await fs.mkdir(dirname(this.path), { recursive: true });
    return withLock(this.lockPath, async () => {
      const holder = await readHolder(this.leasePath);
      const info = holder?.info;
      // Free, already ours, expired or its holder dead: only then is it (re)taken.
      if (holder && info && info.owner !== owner && !isStale(holder, this.now()))
        return {
          acquired: false,
          lease: {
            owner: info.owner,
            expiresAt: info.expiresAt,
            ...(info.epoch !== undefined ? { epoch: info.epoch } : {}),
          },
        };
      const epoch = await this.nextEpoch(info?.epoch);
      const lease: Lease = { owner, expiresAt: this.now() + ttlMs, epoch };
      await writeDurably(this.leasePath, holderContent(owner, lease.expiresAt, epoch));
      return { acquired: true, lease };
    });
  }

  async renewLease(owner: string, ttlMs: number, epoch?: number): Promise<boolean> {
    await fs.mkdir(dirname(this.path), { recursive: true });
    return withLock(this.lockPath, async () => {
      const info = (await readHolder(this.leasePath))?.info;
      if (info?.owner !== owner) return false;
      if (epoch !== undefined && info.epoch !== epoch) return false;
      // Not fsync'd: a renewal lost in a crash only makes the lease expire sooner (the epoch,
      // what fencing relies on, is durable), and a controller renews often.
      await writeAside(this.leasePath, holderContent(owner, this.now() + ttlMs, info.epoch), false);
      return true;
    });
  }

  async releaseLease(owner: string): Promise<void> {
    await fs.mkdir(dirname(this.path), { recursive: true });
    await withLock(this.lockPath, async () => {
      const holder = await readHolder(this.leasePath);
      if (holder?.info?.owner === owner) await fs.unlink(this.leasePath).catch(() => undefined);
    });
  }
}

/**
 * Writes a file aside then renames it into place: a reader never sees half of it.
 * @param path the file
 * @param content what it holds
 * @param durable fsync before the rename, so it survives a machine crash (an acquisition, an epoch)
 */
async function writeAside(path: string, content: string, durable: boolean): Promise<void> {
  const tmp = `${path}.${String(process.pid)}.tmp`;
  const handle = await fs.open(tmp, "w");
  try {
    await handle.writeFile(content);
    if (durable) await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, path);
}

/**
 * writeAside, fsync'd.
 * @param path the file
 * @param content what it holds
 */
function writeDurably(path: string, content: string): Promise<void> {
  return writeAside(path, content, true);
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
