/**
 * A discrete-event clock: `sleep` parks the caller on a timer queue and time
 * jumps straight to the earliest timer once every task is parked. Hours of
 * bakes take no wall time, and concurrent sleepers (a fleet-wide push that
 * updates every cohort at once) wake in virtual-time order.
 *
 * "Every task is parked" is detected with setImmediate, which runs only after
 * the microtask queue is empty. That is sound as long as nothing the
 * simulation awaits does real I/O — which is why the rehearsal's ledger is
 * in memory.
 */
import type { Clock } from "../../core/ports.js";

interface Timer {
  at: number;
  order: number;
  resolve: () => void;
  reject: (e: Error) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

export class VirtualClock implements Clock {
  /** Protected: the rollout tests' FakeClock steps it back to simulate clock skew. */
  protected current: number;
  private readonly timers: Timer[] = [];
  private order = 0;
  private pumpScheduled = false;
  /** Called after time moves, before the sleeper resumes (the simulated CloudWatch catches up). */
  private readonly listeners: ((t: number) => void)[] = [];

  constructor(start: number) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  onAdvance(listener: (t: number) => void): void {
    this.listeners.push(listener);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
        return;
      }
      const timer: Timer = {
        at: this.current + Math.max(0, ms),
        order: this.order++,
        resolve,
        reject,
        signal,
        onAbort: undefined,
      };
      if (signal) {
        timer.onAbort = (): void => {
          const i = this.timers.indexOf(timer);
          if (i >= 0) this.timers.splice(i, 1);
          reject(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
        };
        signal.addEventListener("abort", timer.onAbort, { once: true });
      }
      this.timers.push(timer);
      this.schedulePump();
    });
  }

  /** Timers still waiting (a simulation that ends with some has background sleepers). */
  pending(): number {
    return this.timers.length;
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.fireNext();
    });
  }

  private fireNext(): void {
    if (this.timers.length === 0) return;
    this.timers.sort((a, b) => a.at - b.at || a.order - b.order);
    const next = this.timers.shift() as Timer;
    if (next.at > this.current) {
      this.current = next.at;
      for (const l of this.listeners) l(this.current);
    }
    if (next.signal && next.onAbort) next.signal.removeEventListener("abort", next.onAbort);
    next.resolve();
    if (this.timers.length > 0) this.schedulePump();
  }
}
