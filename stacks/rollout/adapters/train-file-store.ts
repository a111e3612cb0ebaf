/**
 * The file ledger's side of a train at scale: a tail reader that returns only the records
 * after a sequence number, reading the ledger file from the byte offset where it last
 * stopped (not from its start), and a snapshot store that keeps the train's state beside the
 * ledger (`<ledger>.train-snapshot.json`, written aside then renamed, so a reader never sees
 * half of one). With both, a controller's step reads what is new, not the ledger's history.
 */
import { promises as fs } from "node:fs";
import type { LedgerRecord } from "../core/ports.js";
import { FileLedger, type FileLedgerOptions } from "./ledger-file.js";
import {
  SNAPSHOT_VERSION,
  type SnapshotStore,
  type TrainSnapshot,
} from "../core/train/compaction.js";

/** Reads a JSON Lines ledger file (ledger-file.ts's format) from a remembered offset. */
export class FileLedgerTail {
  /** The byte offset just past record `seq`, from the last read. */
  private mark = { seq: 0, offset: 0 };

  constructor(private readonly path: string) {}

  async readAfter(seq: number): Promise<LedgerRecord<unknown>[]> {
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

/** The file ledger with a tail reader: what a train controller uses on the file backend. */
export class TailedFileLedger extends FileLedger {
  private readonly tail: FileLedgerTail;

  constructor(path: string, options: FileLedgerOptions = {}) {
    super(path, options);
    this.tail = new FileLedgerTail(path);
  }

  readAfter(seq: number): Promise<LedgerRecord<unknown>[]> {
    return this.tail.readAfter(seq);
  }
}

/** Where a file ledger's train snapshot lives. */
export function snapshotPathFor(ledgerPath: string): string {
  return `${ledgerPath}.train-snapshot.json`;
}
