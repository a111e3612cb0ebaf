/**
 * The rehearsal's memory ledger with the tail reader the train controller uses on the file and
 * DynamoDB ledgers (`readAfter`): a train rehearsed over days of virtual time folds thousands
 * of records, and copying the whole history at every 30-second step would make its wall time
 * grow with the square of the train's length.
 */
import type { LedgerRecord } from "../../core/ports.js";
import { MemoryLedger } from "./memory-ledger.js";

export class TailMemoryLedger extends MemoryLedger<unknown> {
  /**
   * The records after `seq`, as copies.
   * @param seq the last sequence number the caller has folded
   */
  readAfter(seq: number): Promise<LedgerRecord<unknown>[]> {
    // Appends are at the next sequence number from 1, so record #n is at index n - 1.
    return Promise.resolve(
      this.stored.slice(Math.max(0, seq)).map((r) => ({ ...r, event: structuredClone(r.event) })),
    );
  }
}
