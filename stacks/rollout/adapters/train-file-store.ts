/**
 * The file ledger's side of a train at scale: a tail reader that returns only the records
 * after a sequence number, reading the ledger file from the byte offset where it last
 * stopped (not from its start), and a snapshot store that keeps the train's state beside the
 * ledger (`<ledger>.train-snapshot.json`, written aside then renamed, so a reader never sees
 * half of one). With both, a controller's step reads what is new, not the ledger's history.
 */
import { promises as fs } from "node:fs";
import { dirname } from "node:path";
import { type LeaseFence, LedgerConflictError, type LedgerRecord } from "../core/ports.js";
import { withLock } from "./file-lock.js";
import { FileLedger, appendRecord, type FileLedgerOptions } from "./ledger-file.js";
import {
  SNAPSHOT_VERSION,
  type SnapshotStore,
  type TrainSnapshot,
} from "../core/train/compaction.js";

/** Reads a JSON Lines ledger file (ledger-file.ts's format) from a remembered offset. */
export class FileLedgerTail {
  /** The byte offset just past record `seq`, from the last read. */
  private mark = { seq: 0, offset: 0 };
  /** The file's size at the last read (more than `mark.offset`: a torn or unfinished line). */
  private size = 0;

  /** Reads run one at a time: each starts from the mark the previous one left. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly path: string) {}

  /** The records after `seq`, reading only the bytes past the mark (from the start if `seq` is behind it). */
  readAfter(seq: number): Promise<LedgerRecord<unknown>[]> {
    const run = this.queue.then(() => this.readAfterNow(seq));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async readAfterNow(seq: number): Promise<LedgerRecord<unknown>[]> {
    if (seq < this.mark.seq) this.mark = { seq: 0, offset: 0 };
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.path, "r");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
    let text: string;
    try {
      const { size } = await handle.stat();
      this.size = size;
      // A reader that starts from a snapshot jumps close to it instead of parsing from byte 0.
      if (seq > this.mark.seq) await this.seek(handle, size, seq);
      const length = Math.max(0, size - this.mark.offset);
      const buf = Buffer.alloc(length);
      await handle.read(buf, 0, length, this.mark.offset);
      text = buf.toString("utf8");
    } finally {
      await handle.close();
    }
    const out: LedgerRecord<unknown>[] = [];
    let offset = this.mark.offset;
    let expected = this.mark.seq + 1;
    const lines = text.split("\n");
    // The last piece has no newline yet: a write in progress or torn; it is read next time.
    for (const line of lines.slice(0, -1)) {
      const bytes = Buffer.byteLength(line, "utf8") + 1;
      if (line.trim() === "") {
        offset += bytes;
        continue;
      }
      const rec = JSON.parse(line) as LedgerRecord<unknown>;
      if (rec.seq !== expected)
        throw new Error(
          `${this.path}: sequence gap: expected #${String(expected)}, found #${String(rec.seq)}`,
        );
      expected += 1;
      offset += bytes;
      this.mark = { seq: rec.seq, offset };
      if (rec.seq > seq) out.push(rec);
    }
    return out;
  }

  /**
   * Moves the mark forward to a line boundary at or before the first record after `seq`, by
   * bisecting the file on byte offsets (records are in sequence order, one per line, each line
   * starting `{"seq":N`): O(log size) small reads, so a controller that starts from a snapshot
   * does not read a year of ledger to find its tail.
   */
  private async seek(handle: fs.FileHandle, size: number, seq: number): Promise<void> {
    const CHUNK = 64 * 1024;
    let lo = this.mark.offset;
    let loSeq = this.mark.seq;
    let hi = size;
    const buf = Buffer.alloc(CHUNK);
    while (hi - lo > CHUNK) {
      const mid = lo + Math.floor((hi - lo) / 2);
      const { bytesRead } = await handle.read(buf, 0, Math.min(CHUNK, size - mid), mid);
      const view = buf.subarray(0, bytesRead);
      const nl = view.indexOf(10);
      const nl2 = nl < 0 ? -1 : view.indexOf(10, nl + 1);
      // No whole line in the chunk (a very long record): look in the lower half.
      if (nl2 < 0) {
        hi = mid;
        continue;
      }
      const m = /^\{"seq":(\d+)[,}]/.exec(view.subarray(nl + 1, nl2).toString("utf8"));
      if (!m) break; // not the format this reader knows: read linearly from what is known
      const lineSeq = Number(m[1]);
      if (lineSeq - 1 <= seq) {
        lo = mid + nl + 1;
        loSeq = lineSeq - 1;
      } else hi = mid;
    }
    this.mark = { seq: loSeq, offset: lo };
  }

  /** The last record's sequence number, the bytes up to it, and the file's size (read from the mark). */
  end(): Promise<{ seq: number; validBytes: number; size: number }> {
    const run = this.queue.then(async () => {
      this.size = 0;
      await this.readAfterNow(this.mark.seq);
      return { seq: this.mark.seq, validBytes: this.mark.offset, size: this.size };
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}

export class FileSnapshotStore implements SnapshotStore {
  constructor(readonly path: string) {}

  async load(): Promise<TrainSnapshot | undefined> {
    let text: string;
    try {
      text = await fs.readFile(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
    const snap = JSON.parse(text) as TrainSnapshot;
    if (snap.version !== SNAPSHOT_VERSION) return undefined;
    return snap;
  }

  /** Replaces the stored snapshot only with a newer one (a late save never moves it back). */
  async save(snapshot: TrainSnapshot): Promise<void> {
    const current = await this.load();
    if (current && current.seq >= snapshot.seq) return;
    const tmp = `${this.path}.${String(process.pid)}.tmp`;
    await fs.writeFile(tmp, JSON.stringify(snapshot));
    await fs.rename(tmp, this.path);
  }
}

/**
 * The file ledger with a tail reader: what a train controller uses on the file backend. Its
 * append finds the ledger's end from the tail's mark instead of parsing the whole file (the
 * same lock, lease fence, sequence check, torn-line cut and fsync as FileLedger.append), so neither a
 * step's read nor its append grows with the ledger's age.
 */
export class TailedFileLedger extends FileLedger {
  private readonly tail: FileLedgerTail;
  private readonly clock: () => number;

  constructor(path: string, options: FileLedgerOptions = {}) {
    super(path, options);
    this.tail = new FileLedgerTail(path);
    this.clock = options.now ?? Date.now;
  }

  override async append(
    event: unknown,
    expectedSeq: number,
    fence?: LeaseFence,
  ): Promise<LedgerRecord<unknown>> {
    await fs.mkdir(dirname(this.path), { recursive: true });
    return withLock(this.lockPath, async () => {
      // Under the lock every lease change takes: the lease cannot move between check and write.
      if (fence) await this.checkFence(fence);
      const end = await this.tail.end();
      const next = end.seq + 1;
      if (expectedSeq !== next) throw new LedgerConflictError(expectedSeq, next);
      // Bytes after the last full line are a write a crash cut off: cut them, as FileLedger does.
      if (end.size > end.validBytes) await fs.truncate(this.path, end.validBytes);
      const rec: LedgerRecord<unknown> = { seq: next, at: this.clock(), event };
      await appendRecord(this.path, rec, end.seq === 0 && end.validBytes === 0);
      return rec;
    });
  }

  readAfter(seq: number): Promise<LedgerRecord<unknown>[]> {
    return this.tail.readAfter(seq);
  }
}

/** Where a file ledger's train snapshot lives. */
export function snapshotPathFor(ledgerPath: string): string {
  return `${ledgerPath}.train-snapshot.json`;
}
