/**
 * The one writer of the ledger. Every append — the runner's decisions and facts, and the
 * intents operators submit (plan, pause, resume, abort, approve, reject, a manual revert) —
 * goes through a LedgerWriter, so there is one place that knows how an append meets another
 * writer (expectedSeq conflicts) and one place progress listeners hear of new records.
 */
import type { RolloutEvent } from "../core/events.js";
import { type Intent, intentEvent } from "../core/intents.js";
import type { ProgressListener } from "../core/progress.js";
import { type Ledger, LedgerConflictError, type LedgerRecord } from "../core/ports.js";
import { type FoldRecord, type RolloutState, fold } from "../core/state.js";
import { parseEvent } from "../core/events.js";

/**
 * Reads and validates the whole ledger. A record that fails validation stops everything.
 * `parsed` caches validated events by sequence number: records never change once written,
 * so a long-running runner validates each one once, not once per step.
 */
export async function readState(
  ledger: Ledger<unknown>,
  parsed?: Map<number, RolloutEvent>,
): Promise<{ state: RolloutState; records: FoldRecord[] }> {
  const raw = await ledger.read();
  const records = raw.map((r: LedgerRecord<unknown>) => {
    const cached = parsed?.get(r.seq);
    if (cached) return { seq: r.seq, at: r.at, event: cached };
    try {
      const event = parseEvent(r.event);
      parsed?.set(r.seq, event);
      return { seq: r.seq, at: r.at, event };
    } catch (err) {
      throw new Error(
        `ledger record #${r.seq} is not a valid rollout event: ${(err as Error).message}`,
      );
    }
  });
  return { state: fold(records), records };
}

function isConflict(err: unknown): boolean {
  return (
    err instanceof LedgerConflictError || (err as { code?: string }).code === "LEDGER_CONFLICT"
  );
}

/** Raised when an intent could not be recorded because the ledger kept moving under it. */
export class LedgerBusyError extends Error {
  constructor(what: string) {
    super(`the ledger kept changing under ${what}; try again`);
    this.name = "LedgerBusyError";
  }
}

export class LedgerWriter {
  /**
   * @param ledger where events are stored (validated when read back)
   * @param progress told of every record appended here
   * @param parsed cache of validated events by sequence number (see readState)
   */
  constructor(
    readonly ledger: Ledger<unknown>,
    private readonly progress?: ProgressListener,
    readonly parsed = new Map<number, RolloutEvent>(),
  ) {}

  /** The ledger folded, through this writer's cache of validated records. */
  read(): Promise<{ state: RolloutState; records: FoldRecord[] }> {
    return readState(this.ledger, this.parsed);
  }

  /**
   * Appends a decision at the next sequence number. A conflict means another writer (a pause,
   * an abort) got in first: the decision was taken on a stale state, so it is dropped
   * (undefined) and the caller decides again.
   * @param event the decision
   * @param lastSeq the sequence number of the state it was decided on
   */
  async append(event: RolloutEvent, lastSeq: number): Promise<LedgerRecord<unknown> | undefined> {
    try {
      // Unfenced: operators' intents hold no lease (core/ports.ts, Ledger.append, says why).
      const rec = await this.ledger.append(event, lastSeq + 1);
      this.progress?.({ kind: "event", seq: rec.seq, at: rec.at, event });
      return rec;
    } catch (err) {
      if (isConflict(err)) return undefined;
      throw err;
    }
  }

  /**
   * Appends what happened to a stack (an update's or revert's outcome). Unlike a decision, a
   * fact stays true whatever another writer appended meanwhile (a `pause` from another
   * terminal), so a conflict re-reads the ledger's end and appends again. Dropping it would
   * leave the update looking unfinished: a paused run would then hold back the revert of a
   * failed update, and `resume` would apply the failed release a second time.
   * @param event the fact
   * @param lastSeq the sequence number last seen
   */
  async appendFact(event: RolloutEvent, lastSeq: number): Promise<LedgerRecord<unknown>> {
    let seq = lastSeq;
    for (let attempt = 0; attempt < 10; attempt++) {
      const rec = await this.append(event, seq);
      if (rec) return rec;
      const records = await this.ledger.read();
      seq = records.at(-1)?.seq ?? 0;
    }
    throw new Error(`could not record ${event.type} of ${event.release}: the ledger keeps moving`);
  }

  /**
   * Appends what `decide` makes of the ledger's current state: `decide` turns the current state into the event to append
   * (undefined: the intent already holds, nothing to write; it may throw to refuse), and is
   * asked again on the newer state when another writer got in first.
   * @param what names the intent in the error when the ledger never settles
   * @param decide the intent's event on a given state
   * @returns the state the event was appended to (or found to hold on), and the record
   */
  private async submit(
    what: string,
    decide: (state: RolloutState) => RolloutEvent | undefined,
  ): Promise<{ state: RolloutState; record?: LedgerRecord<unknown> }> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const { state } = await this.read();
      const event = decide(state);
      if (event === undefined) return { state };
      const record = await this.append(event, state.lastSeq);
      if (record) return { state, record };
    }
    throw new LedgerBusyError(what);
  }

  /**
   * Records an operator's intent (core/intents.ts): the event it means on the ledger as it is
   * when appended, nothing when it already holds. `intentOn` names the intent on a given state
   * (which release a `pause` with no --release is about) and refuses it by throwing where it
   * does not fit; like the event, it is asked again on the newer state whenever another writer
   * got in first, so an intent is never recorded on a state it was not checked against.
   * @param intentOn the intent on a given state (throws to refuse)
   * @returns the state the event was appended to (or found to hold on), the intent, and the record
   */
  async submitIntent<I extends Intent>(
    intentOn: (state: RolloutState) => I,
  ): Promise<{ state: RolloutState; intent: I; record?: LedgerRecord<unknown> }> {
    let intent: I | undefined;
    const done = await this.submit("this command", (state) => {
      intent = intentOn(state);
      return intentEvent(state, intent);
    });
    if (!intent) throw new Error("submitIntent: the intent was never asked for");
    return { ...done, intent };
  }
}
