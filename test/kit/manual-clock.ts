/**
 * A clock that moves only when the test says so: `sleep` resolves once
 * `advance` has carried the time past its end. Used for the notifier, so a
 * test decides exactly when a delivery attempt times out, while the runner
 * runs on its own clock.
 */
import type { Clock } from "../../stacks/rollout/core/ports.js";

interface Sleeper {
  at: number;
  ms: number;
  resolve: () => void;
}

export class ManualClock implements Clock {
  private sleepers: Sleeper[] = [];
  constructor(private t = 1_000_000) {}
  now(): number {
    return this.t;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
        return;
      }
      if (ms <= 0) {
        resolve();
        return;
      }
      const s: Sleeper = { at: this.t + Math.max(0, ms), ms, resolve };
      this.sleepers.push(s);
      signal?.addEventListener(
        "abort",
        () => {
          this.sleepers = this.sleepers.filter((x) => x !== s);
          reject(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
        },
        { once: true },
      );
    });
  }
  /** Sleeps not yet over. */
  get waiting(): number {
    return this.sleepers.length;
  }
  /** The durations of the sleeps not yet over, in the order they began. */
  get sleeping(): number[] {
    return this.sleepers.map((s) => s.ms);
  }
  /** Moves time forward by `ms`, waking every sleeper whose end has come. */
  advance(ms: number): void {
    this.t += ms;
    const due = this.sleepers.filter((s) => s.at <= this.t);
    this.sleepers = this.sleepers.filter((s) => s.at > this.t);
    for (const s of due) s.resolve();
  }
}
