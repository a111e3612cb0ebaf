/**
 * One retry helper over the rollout's Clock port: exponential backoff between
 * attempts, and a per-attempt timeout that is also a Clock sleep, so tests on a
 * fake clock decide when an attempt times out instead of hoping a wall clock
 * does. The attempt gets an AbortSignal that fires on its timeout (or on the
 * caller's signal), so a hung HTTP request is cut, not left running.
 */
import type { Clock } from "./ports.js";

export interface RetryOptions {
  clock: Clock;
  /** Attempts including the first (>= 1). */
  attempts: number;
  /** Delay before the second attempt; doubles each attempt. */
  backoffMs: number;
  /** Upper bound of one delay. */
  maxBackoffMs?: number;
  /** Each attempt is aborted after this long (undefined: no timeout). */
  attemptTimeoutMs?: number;
  /** Stops retrying (and aborts the running attempt) when it fires. */
  signal?: AbortSignal;
  /** Told about each finished attempt, for the record (an outbox, a log). */
  onAttempt?: (attempt: number, outcome: { ok: true } | { ok: false; error: string }) => void;
}

export class AttemptTimeoutError extends Error {
  constructor(ms: number) {
    super(`timed out after ${ms} ms`);
    this.name = "AttemptTimeoutError";
  }
}

/** An error no retry can fix (a 4xx answer, a missing secret): `retry` stops at it. */
export class PermanentError extends Error {
  readonly permanent = true;
  constructor(message: string) {
    super(message);
    this.name = "PermanentError";
  }
}

export type RetryResult<T> =
  | { ok: true; value: T; attempts: number }
  /** `stopped`: the caller's signal ended it, not the attempts running out. */
  | { ok: false; error: string; attempts: number; stopped?: true };

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs `fn` once, aborting it (and rejecting) when `timeoutMs` passes on the clock. */
export async function withTimeout<T>(
  clock: Clock,
  timeoutMs: number | undefined,
  outer: AbortSignal | undefined,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const attempt = new AbortController();
  const onOuter = (): void => attempt.abort(outer?.reason);
  if (outer?.aborted) onOuter();
  else outer?.addEventListener("abort", onOuter, { once: true });
  const timerStop = new AbortController();
  try {
    if (timeoutMs === undefined) return await fn(attempt.signal);
    const timeout = clock.sleep(timeoutMs, timerStop.signal).then(
      () => {
        const err = new AttemptTimeoutError(timeoutMs);
        attempt.abort(err);
        throw err;
      },
      () => new Promise<never>(() => undefined), // the attempt settled first: never wins
    );
    return await Promise.race([fn(attempt.signal), timeout]);
  } finally {
    timerStop.abort(new Error("attempt settled"));
    outer?.removeEventListener("abort", onOuter);
  }
}

/** Calls `fn` until it resolves or the attempts run out; never throws for `fn`'s errors. */
export async function retry<T>(
  fn: (signal: AbortSignal, attempt: number) => Promise<T>,
  o: RetryOptions,
): Promise<RetryResult<T>> {
  let delay = o.backoffMs;
  let lastError = "not attempted";
  for (let attempt = 1; attempt <= o.attempts; attempt++) {
    if (o.signal?.aborted)
      return { ok: false, error: lastError, attempts: attempt - 1, stopped: true };
    try {
      const value = await withTimeout(o.clock, o.attemptTimeoutMs, o.signal, (s) => fn(s, attempt));
      o.onAttempt?.(attempt, { ok: true });
      return { ok: true, value, attempts: attempt };
    } catch (err) {
      lastError = message(err);
      if (o.signal?.aborted)
        return { ok: false, error: lastError, attempts: attempt - 1, stopped: true };
      o.onAttempt?.(attempt, { ok: false, error: lastError });
      if (err instanceof PermanentError) return { ok: false, error: lastError, attempts: attempt };
    }
    if (attempt < o.attempts) {
      try {
        await o.clock.sleep(Math.min(delay, o.maxBackoffMs ?? Infinity), o.signal);
      } catch {
        return { ok: false, error: lastError, attempts: attempt, stopped: true };
      }
      delay *= 2;
    }
  }
  return { ok: false, error: lastError, attempts: o.attempts };
}
