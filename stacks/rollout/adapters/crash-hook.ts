/**
 * The crash hook for kill -9 tests: with COHORT_ROLLOUT_CRASH_AFTER=<n> the
 * CLI SIGKILLs itself immediately after its n-th durable ledger append in
 * that process, so a test can stop it at every step boundary and check that
 * `resume` (or re-running `deploy`) reaches the same outcome.
 */
import type { Ledger } from "../core/ports.js";

export function crashAfterAppends(
  inner: Ledger<unknown>,
  n: number,
  kill: () => void = () => process.kill(process.pid, "SIGKILL"),
): Ledger<unknown> {
  let appends = 0;
  return {
    read: () => inner.read(),
    async append(event, expectedSeq) {
      const rec = await inner.append(event, expectedSeq);
      appends++;
      // The append resolved, so it is durable: dying now is a crash at a step boundary.
      if (appends === n) kill();
      return rec;
    },
    acquireLease: (owner, ttl) => inner.acquireLease(owner, ttl),
    renewLease: (owner, ttl) => inner.renewLease(owner, ttl),
    releaseLease: (owner) => inner.releaseLease(owner),
  };
}
