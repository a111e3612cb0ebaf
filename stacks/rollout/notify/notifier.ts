/**
 * Delivers notifications beside the run, never in its way: the runner does not
 * know the notifier exists. Told (`poke`) that the ledger moved, the notifier
 * reads it, derives the new notifications (derive.ts), records them in the
 * outbox, and hands each to its sinks' queues. Every sink has its own queue (a
 * hung sink holds back only itself, in order) and every delivery retries with
 * backoff and a per-attempt timeout over the Clock (retry.ts). Nothing here is
 * awaited by the runner, and nothing here throws into it.
 *
 * Crash-safe: the cursor in the outbox says how far notifications were
 * derived; a restart derives from there and resends what was enqueued but not
 * finished (receivers de-duplicate on the notification id).
 */
import type { Clock, Ledger } from "../core/ports.js";
import { retry } from "../core/retry.js";
import { readState } from "../executor/runner.js";
import { deriveNotifications } from "./derive.js";
import type { Notification } from "./notification.js";
import { type Delivery, type OutboxEntry, OutboxFile, deliveryKey, foldOutbox } from "./outbox.js";
import type { Sink } from "./sinks/sink.js";

export interface NotifierOptions {
  ledger: Ledger<unknown>;
  outbox: OutboxFile;
  /** The sinks, or a promise of them (configuration read beside the run). */
  sinks: Sink[] | Promise<Sink[]>;
  clock: Clock;
  /**
   * Where derivation starts when the outbox has no cursor yet (a first run): by default the
   * ledger record before this release's `planned`, so history is not replayed to a new sink.
   */
  release: string;
  /** First retry delay; doubles per attempt. Default 1 s. */
  backoffMs?: number;
  /** Longest delay between attempts. Default 60 s. */
  maxBackoffMs?: number;
  /** Where a notifier problem is reported (it never stops the run). */
  warn?: (message: string) => void;
}

export class Notifier {
  private readonly stop = new AbortController();
  private readonly queues = new Map<string, Promise<void>>();
  private readonly inFlight = new Set<Promise<void>>();
  private cursor: number | undefined;
  private pumping: Promise<void> | undefined;
  private again = false;
  private readonly ready: Promise<{ sinks: Sink[]; known: Set<string> }>;

  constructor(private readonly o: NotifierOptions) {
    this.ready = this.load();
    // The load never rejects: a broken outbox or config reports and delivers nothing.
    this.ready.catch(() => undefined);
  }

  private warn(message: string): void {
    this.o.warn?.(`notifications: ${message}`);
  }

  private async load(): Promise<{ sinks: Sink[]; known: Set<string> }> {
    let sinks: Sink[] = [];
    try {
      sinks = await this.o.sinks;
    } catch (err) {
      this.warn(`not sent: ${err instanceof Error ? err.message : String(err)}`);
    }
    let state;
    try {
      state = foldOutbox(await this.o.outbox.read());
    } catch (err) {
      this.warn(`outbox ${this.o.outbox.path} unreadable (${String(err)}); starting a new one`);
      state = foldOutbox([]);
    }
    this.cursor = state.cursor;
    // Deliveries a previous run enqueued and did not finish: resend them first, in order.
    for (const d of state.deliveries.values()) {
      const sink = sinks.find((s) => s.name === d.sink);
      if (d.status === "pending" && sink) this.enqueue(sink, d.notification, d.attempts);
    }
    return { sinks, known: new Set(state.deliveries.keys()) };
  }

  /** The ledger moved: derive and send what is new. Returns at once; never rejects. */
  poke(): void {
    if (this.stop.signal.aborted) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    const run = async (): Promise<void> => {
      do {
        this.again = false;
        await this.pump();
      } while (this.again && !this.stop.signal.aborted);
    };
    this.pumping = run()
      .catch((err: unknown) => this.warn(`could not derive notifications: ${String(err)}`))
      .finally(() => {
        this.pumping = undefined;
      });
  }

  private async pump(): Promise<void> {
    const { sinks, known } = await this.ready;
    if (sinks.length === 0) return;
    const { records } = await readState(this.o.ledger);
    const last = records.at(-1)?.seq ?? 0;
    if (this.cursor === undefined) {
      const planned = records.find(
        (r) => r.event.type === "planned" && r.event.release === this.o.release,
      );
      this.cursor = (planned?.seq ?? last + 1) - 1;
    }
    if (last <= this.cursor) return;
    const fresh = deriveNotifications(records, this.cursor);
    const entries: OutboxEntry[] = [];
    const toSend: [Sink, Notification][] = [];
    for (const n of fresh) {
      for (const sink of sinks) {
        if (sink.kinds && !sink.kinds.includes(n.kind)) continue;
        const key = deliveryKey(n.id, sink.name);
        if (known.has(key)) continue;
        known.add(key);
        entries.push({ t: "enqueued", sink: sink.name, at: this.o.clock.now(), notification: n });
        toSend.push([sink, n]);
      }
    }
    entries.push({ t: "cursor", seq: last });
    this.cursor = last;
    // Recorded before it is sent: a crash after this point resends, never forgets.
    await this.o.outbox.append(entries, (err) => this.warn(`outbox write failed: ${String(err)}`));
    for (const [sink, n] of toSend) this.enqueue(sink, n, 0);
  }

  private enqueue(sink: Sink, n: Notification, attemptsSoFar: number): void {
    const prev = this.queues.get(sink.name) ?? Promise.resolve();
    const next = prev.then(() => this.deliver(sink, n, attemptsSoFar));
    this.queues.set(sink.name, next);
    this.inFlight.add(next);
    void next.finally(() => this.inFlight.delete(next));
  }

  private async deliver(sink: Sink, n: Notification, attemptsSoFar: number): Promise<void> {
    if (this.stop.signal.aborted) return;
    const remaining = Math.max(1, sink.attempts - attemptsSoFar);
    const record = (e: OutboxEntry) =>
      this.o.outbox.append([e], (err) => this.warn(`outbox write failed: ${String(err)}`));
    const result = await retry((signal) => sink.send(n, signal), {
      clock: this.o.clock,
      attempts: remaining,
      backoffMs: this.o.backoffMs ?? 1_000,
      maxBackoffMs: this.o.maxBackoffMs ?? 60_000,
      attemptTimeoutMs: sink.timeoutMs,
      signal: this.stop.signal,
      onAttempt: (attempt, outcome) => {
        void record({
          t: "attempt",
          id: n.id,
          sink: sink.name,
          attempt: attemptsSoFar + attempt,
          at: this.o.clock.now(),
          ...(outcome.ok ? {} : { error: outcome.error }),
        });
      },
    });
    // Cut short because the run is over: it stays pending, and the next run resends it.
    if (!result.ok && result.stopped === true) return;
    const attempts = attemptsSoFar + result.attempts;
    if (result.ok) {
      await record({ t: "delivered", id: n.id, sink: sink.name, at: this.o.clock.now(), attempts });
      return;
    }
    this.warn(
      `${n.kind} of ${n.release} to ${sink.name} failed after ${attempts} attempts: ${result.error}`,
    );
    await record({
      t: "gave-up",
      id: n.id,
      sink: sink.name,
      at: this.o.clock.now(),
      attempts,
      error: result.error,
    });
  }

  /** Resolves when every derived notification has been delivered or given up (tests, flush). */
  async idle(): Promise<void> {
    for (;;) {
      if (this.pumping) await this.pumping;
      if (this.inFlight.size === 0 && !this.pumping) return;
      await Promise.allSettled([...this.inFlight]);
    }
  }

  /**
   * The run is over: wait up to `graceMs` (on the clock) for deliveries in flight, then stop;
   * what is unfinished stays pending in the outbox for the next run. Never rejects.
   */
  async close(graceMs: number): Promise<void> {
    // Deriving and recording what is due is local work: finished before the grace starts, so
    // every notification of the run is at least in the outbox, pending, when the process ends.
    this.poke();
    while (this.pumping) await this.pumping;
    const timer = new AbortController();
    await Promise.race([
      this.idle(),
      this.o.clock.sleep(graceMs, timer.signal).catch(() => undefined),
    ]).catch(() => undefined);
    timer.abort(new Error("closed"));
    this.stop.abort(new Error("the run is over"));
    await Promise.allSettled([...this.inFlight]);
  }

  /** Deliveries as the outbox records them (for tests and status). */
  async deliveries(): Promise<Delivery[]> {
    return [...foldOutbox(await this.o.outbox.read()).deliveries.values()];
  }
}
