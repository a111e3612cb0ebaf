/**
 * The I/O half of "the bake watches the new version": finding what to watch in a cohort
 * stack's outputs after its update, and asking the deployment watcher with retries, for the
 * runner (one release) and the train controller alike. The decisions (hold the bake, fail on
 * a timeout, a failure or a rollback) are core/deployment.ts `deploymentVerdict`'s, from the
 * events recorded with these; which checks are worth recording, observations.ts's.
 */
import { deploymentRefSchema, type DeploymentRef } from "../../../components/contract.js";
import type { EventOf } from "../core/events.js";
import type { DeploymentCheck } from "../core/observations.js";
import type { Clock, DeploymentStatus, DeploymentWatcher, StackDriver } from "../core/ports.js";
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

/**
 * After a cohort's update returned: what to watch before its bake starts, from the stack's
 * `deployment` output (read with the gate's retries). Outputs that cannot be read leave it
 * unknown whether the new version serves: reported, and the cohort fails there.
 * @param driver reads the stack's outputs
 * @param stack the cohort's stack
 * @param cohort the cohort (its key in the `cohorts` output)
 * @param o the gate's retries
 * @param log where a failure to read is logged
 */
export async function deploymentOfUpdate(
  driver: StackDriver,
  stack: string,
  cohort: string,
  o: RetryOptions,
  log: (line: string) => void,
): Promise<DeploymentOfUpdate> {
  try {
    const outputs = await withRetries(() => driver.outputs(stack), o);
    return deploymentFromOutputs(outputs, cohort);
  } catch (err) {
    if (o.signal?.aborted) throw err;
    const why = err instanceof Error ? err.message : String(err);
    log(`could not read the outputs of ${stack} to watch its deployment: ${why}`);
    return {
      deploymentUnknown: `the outputs of ${stack} could not be read after its update (${why}), so whether the new version serves is unknown`,
    };
  }
}

/** What one "await serving" step needs: the deployment, its deadline, and how to record. */
export interface AwaitServing {
  watcher: DeploymentWatcher | undefined;
  deployment: DeploymentRef;
  /** The deployment timeout's deadline (epoch ms). */
  until: number;
  pollIntervalMs: number;
  clock: Clock;
  /** The gate's retries (their signal also cuts the step's sleep short). */
  retry: RetryOptions;
  log: (line: string) => void;
  /** The event worth recording for this check, if any (observations.ts `servingCheckToRecord`). */
  toRecord: (
    check: DeploymentCheck,
    checkedAt: number,
  ) => EventOf<"deployment-observed"> | undefined;
  /** Appends it (a fact). */
  record: (event: EventOf<"deployment-observed">) => Promise<unknown>;
}

/**
 * The cohort's update returned; its new version does not serve yet. Check the deployment and
 * record what is worth recording: the bake's clock starts at the check that saw it serving, a
 * failure or a rollback fails the cohort, a check that keeps failing is recorded at the
 * deadline so the timeout fails it (fails closed). While it still does not serve, the step
 * ends one poll interval later (never past the deadline, where the timeout is decided): the
 * checks keep their cadence without the caller remembering when it last checked.
 * @param a the deployment, its deadline, and how to record
 */
export async function awaitServing(a: AwaitServing): Promise<void> {
  const { clock } = a;
  let check: DeploymentCheck;
  try {
    check = { ok: true, status: await checkDeployment(a.watcher, a.deployment, a.retry) };
  } catch (err) {
    if (a.retry.signal?.aborted) throw err;
    const why = err instanceof Error ? err.message : String(err);
    a.log(`could not check the deployment of ${describeRef(a.deployment)}: ${why}`);
    check = { ok: false, error: why };
  }
  // Stamped after the check returned: the version served by then, perhaps not before.
  const checkedAt = clock.now();
  const event = a.toRecord(check, checkedAt);
  if (event) {
    a.log(`deployment ${event.state}: ${event.reason}`);
    await a.record(event);
    if (event.state !== "in-progress") return;
  }
  const ms = Math.min(checkedAt + a.pollIntervalMs, a.until) - clock.now();
  if (ms > 0) await clock.sleep(ms, a.retry.signal);
}

/**
 * During a bake (or a train's observation window): one check of a serving deployment.
 * Undefined when it could not be checked (logged only: the alarms still gate the bake); an
 * interrupt rethrows.
 * @param watcher the deployment watcher (absent: the check fails closed)
 * @param deployment what to check
 * @param o the gate's retries
 * @param log where a failed check is logged
 * @param during what runs, for the log ("the bake" unless told)
 */
export async function checkDuringBake(
  watcher: DeploymentWatcher | undefined,
  deployment: DeploymentRef,
  o: RetryOptions,
  log: (line: string) => void,
  during = "the bake",
): Promise<DeploymentStatus | undefined> {
  try {
    return await checkDeployment(watcher, deployment, o);
  } catch (err) {
    if (o.signal?.aborted) throw err;
    log(
      `could not check the deployment of ${describeRef(deployment)} during ${during}: ${err instanceof Error ? err.message : String(err)}`,
    );
    return undefined;
  }
}
