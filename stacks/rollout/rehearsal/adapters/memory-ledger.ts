/**
 * An in-memory Ledger for rehearsals: same contract as the file ledger
 * (append at the expected sequence or conflict; a lease), no I/O, so the
 * virtual clock can tell when every task is waiting. The tests' and the
 * benchmark's memory ledger (test/kit/ledger.ts) is this one, with a crash hook.
 */
import {
  type Clock,
  type Lease,
  type LeaseFence,
  LeaseLostError,
  type Ledger,
  LedgerConflictError,
  type LedgerRecord,
} from "../../core/ports.js";

export class MemoryLedger<E = unknown> implements Ledger<E> {
  /** What was appended, in order (subclasses may look, never edit). */
  protected readonly stored: LedgerRecord<E>[] = [];
  private lease: Lease | undefined;
  /** The last epoch given out (a release keeps it: epochs never come back). */
  private epoch = 0;

  /** @param clock stamps each record's `at` */
  constructor(protected readonly clock: Clock) {}

  read(): Promise<LedgerRecord<E>[]> {
    return this.readAfter(0);
  }

  /**
   * The records after `seq`, as copies (the tail reader the train controller uses on the file
   * and DynamoDB ledgers): a train folded over days of virtual time reads only what is new,
   * instead of copying the whole history at every step.
   * @param seq the last sequence number the caller has folded
   */
  readAfter(seq: number): Promise<LedgerRecord<E>[]> {
    // Copies: a caller must never be able to edit history in place. Appends are at the next
    // sequence number from 1, so record #n is at index n - 1.
    return Promise.resolve(
      this.stored.slice(Math.max(0, seq)).map((r) => ({ ...r, event: structuredClone(r.event) })),
    );
  }

  append(event: E, expectedSeq: number, fence?: LeaseFence): Promise<LedgerRecord<E>> {
    if (fence && (this.lease?.owner !== fence.owner || this.lease.epoch !== fence.epoch))
      return Promise.reject(new LeaseLostError(fence, this.lease && { ...this.lease }));
    const next = this.stored.length + 1;
    if (expectedSeq !== next) return Promise.reject(new LedgerConflictError(expectedSeq, next));
    const rec: LedgerRecord<E> = { seq: next, at: this.clock.now(), event: structuredClone(event) };
    this.stored.push(rec);
    return Promise.resolve({ ...rec });
  }

  acquireLease(owner: string, ttlMs: number): Promise<{ acquired: boolean; lease: Lease }> {
    const now = this.clock.now();
    if (this.lease && this.lease.owner !== owner && this.lease.expiresAt > now) {
      return Promise.resolve({ acquired: false, lease: { ...this.lease } });
    }
    this.lease = { owner, expiresAt: now + ttlMs, epoch: ++this.epoch };
    return Promise.resolve({ acquired: true, lease: { ...this.lease } });
  }

  renewLease(owner: string, ttlMs: number, epoch?: number): Promise<boolean> {
    if (this.lease?.owner !== owner) return Promise.resolve(false);
    if (epoch !== undefined && this.lease.epoch !== epoch) return Promise.resolve(false);
    this.lease = { ...this.lease, expiresAt: this.clock.now() + ttlMs };
    return Promise.resolve(true);
  }

  releaseLease(owner: string): Promise<void> {
    if (this.lease?.owner === owner) this.lease = undefined;
    return Promise.resolve();
  }

  /** Every record so far (for the report's timeline). */
  snapshot(): LedgerRecord<E>[] {
    return this.stored.map((r) => ({ ...r }));
  }
}
