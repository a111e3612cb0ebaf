/**
 * The crash hook for kill -9 tests: with COHORT_ROLLOUT_CRASH_AFTER=<n> the
 * CLI SIGKILLs itself immediately after its n-th durable ledger append in
 * that process; with COHORT_ROLLOUT_CRASH_AFTER=<type>:<cohort> (e.g.
 * `reverting:pro`), right after its first append of that event for that
 * cohort. A test can so stop it at a named step boundary whatever number of
 * bake readings came before (their count depends on timing), and check that
 * `resume` (or re-running `deploy`) reaches the same outcome.
 */
import type { Ledger } from "../core/ports.js";

/** When to crash: after the n-th append, or after the first `type` event of `cohort`. */
export type CrashPoint = number | { type: string; cohort: string };

/** Parses the variable's value; undefined when it is neither form. */
export function parseCrashPoint(raw: string): CrashPoint | undefined {
  if (/^\d+$/.test(raw)) {
    const n = Number(raw);
    return n >= 1 ? n : undefined;
  }
  const named = /^([a-z-]+):([A-Za-z0-9_.-]+)$/.exec(raw);
  return named ? { type: named[1] ?? "", cohort: named[2] ?? "" } : undefined;
}

export function crashAfterAppends(
  inner: Ledger<unknown>,
  point: CrashPoint,
  kill: () => void = () => process.kill(process.pid, "SIGKILL"),
): Ledger<unknown> {
  let appends = 0;
  const reached = (event: unknown): boolean => {
    if (typeof point === "number") return appends === point;
    const e = event as { type?: unknown; cohort?: unknown } | null;
    return e?.type === point.type && e.cohort === point.cohort;
  };
  return {
    read: () => inner.read(),
    async append(event, expectedSeq, fence) {
      const rec = await inner.append(event, expectedSeq, fence);
      appends++;
      // The append resolved, so it is durable: dying now is a crash at a step boundary.
      if (reached(event)) kill();
      return rec;
    },
    acquireLease: (owner, ttl) => inner.acquireLease(owner, ttl),
    renewLease: (owner, ttl, epoch) => inner.renewLease(owner, ttl, epoch),
    releaseLease: (owner) => inner.releaseLease(owner),
  };
}
