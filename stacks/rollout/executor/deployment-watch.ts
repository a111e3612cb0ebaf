/**
 * The I/O half of "the bake watches the new version": finding what to watch in a cohort
 * stack's outputs after its update, and asking the deployment watcher with retries. The
 * decisions (hold the bake, fail on a timeout, a failure or a rollback) are machine.ts
 * `decideDeployment`'s, from the events the runner records with these.
 */
import { deploymentRefSchema, type DeploymentRef } from "../../../components/contract.js";
import type { DeploymentStatus, DeploymentWatcher } from "../core/ports.js";
import { type RetryOptions, retry } from "../core/retry.js";

/** What an `applied` event carries about the cohort's deployment. */
export type DeploymentOfUpdate = { deployment?: DeploymentRef } | { deploymentUnknown: string };

/**
 * The cohort's `deployment` output: what to watch before its bake may start. No output means
 * the platform's update returned once the new version served (nothing to watch). An output
 * this version cannot read (another platform, a malformed value) is not ignored: whether the
 * new version serves would be unknown, so it is reported and the release fails closed.
 */
export function deploymentFromOutputs(
  outputs: Record<string, unknown>,
  cohort: string,
): DeploymentOfUpdate {
  const cohorts = outputs.cohorts;
  if (typeof cohorts !== "object" || cohorts === null) return {};
  const entry = (cohorts as Record<string, unknown>)[cohort];
  if (typeof entry !== "object" || entry === null) return {};
  const raw = (entry as { deployment?: unknown }).deployment;
  if (raw === undefined || raw === null) return {};
  const parsed = deploymentRefSchema.safeParse(raw);
  if (parsed.success) return { deployment: parsed.data };
  return {
    deploymentUnknown: `the stack's cohorts.${cohort}.deployment output is not one this rollout can watch (${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}) — upgrade cohort-rollout to the component's version`,
  };
}

/**
 * Calls `fn` with the gate's retries (core/retry.ts); rejects with the last error when the
 * attempts run out, or with the signal's reason when it stopped them.
 * @param fn one attempt
 * @param o attempts, backoff, clock and signal
 */
export async function withRetries<T>(fn: () => Promise<T>, o: RetryOptions): Promise<T> {
  const r = await retry(fn, o);
  if (r.ok) return r.value;
  if (r.stopped) throw o.signal?.reason ?? new Error(r.error);
  throw new Error(r.error);
}

/**
 * One deployment check. Without a watcher the answer is a failure, not a guess: a stack that
 * names a deployment to watch must not be baked from its update's return.
 */
export function checkDeployment(
  watcher: DeploymentWatcher | undefined,
  ref: DeploymentRef,
  retry: RetryOptions,
): Promise<DeploymentStatus> {
  if (!watcher) {
    return Promise.resolve({
      state: "failed",
      reason: `no deployment watcher is configured for platform ${ref.platform} (${describeRef(ref)}), so whether the new version serves cannot be known`,
    });
  }
  return withRetries(() => watcher.check(ref), retry);
}

/** A deployment reference in one line, for logs and reasons. */
export function describeRef(ref: DeploymentRef): string {
  return `service ${ref.service} in ${ref.cluster}`;
}
