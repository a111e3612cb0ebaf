/**
 * The test kit's ledger: the product's in-memory ledger (the rehearsal's, same contract as the
 * file ledger) plus what tests look at and a crash hook. One memory ledger for test/, bench/
 * and the rehearsal.
 */
import type { RolloutEvent } from "../../stacks/rollout/core/events.js";
import type { Clock, LeaseFence, LedgerRecord } from "../../stacks/rollout/core/ports.js";
import { MemoryLedger as ProductMemoryLedger } from "../../stacks/rollout/rehearsal/adapters/memory-ledger.js";

/** Thrown by an append past `crashAfter`: the record is stored, the writer never hears so. */
export class CrashError extends Error {
  constructor() {
    super("simulated crash");
  }
}

export class MemoryLedger extends ProductMemoryLedger<unknown> {
  /** Throws after this many successful appends (simulates a crash after a durable write). */
  crashAfter?: number;
  /** Successful appends so far. */
  appends = 0;

  /** @param clock stamps each record's `at` */
  constructor(clock: Clock) {
    super(clock);
  }

  /** The records as stored (tests look; the runner writes through `append`). */
  get records(): readonly LedgerRecord<unknown>[] {
    return this.stored;
  }
  /** Replaces the history (a test that starts from a ledger of its own). */
  set records(records: readonly LedgerRecord<unknown>[]) {
    this.stored.splice(0, this.stored.length, ...records);
  }

  override async append(
    event: unknown,
    expectedSeq: number,
    fence?: LeaseFence,
  ): Promise<LedgerRecord<unknown>> {
    const rec = await super.append(event, expectedSeq, fence);
    this.appends++;
    if (this.crashAfter !== undefined && this.appends >= this.crashAfter) throw new CrashError();
    return rec;
  }

  /** Every event appended, in order. */
  events(): RolloutEvent[] {
    return this.stored.map((r) => r.event as RolloutEvent);
  }
}
