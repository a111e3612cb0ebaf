/**
 * "The bake watches the new version" (issue #11), as pure folds and one verdict shared by the
 * single-release machine (machine.ts, reducers.ts) and the release train (train/state.ts,
 * train/scheduler.ts): what an `applied` and a `deployment-observed` do to a cohort, and
 * whether a cohort whose update returned has failed its deployment, still waits for it to
 * serve (until its deployment timeout), or serves (its bake's clock runs from `servingAt`).
 * One copy, so a train and a single release can never disagree about when a bake starts.
 */
import type { DeploymentRef } from "../../../components/contract.js";
import type { EventOf } from "./events.js";

/** How long a deployment may take after its update returned, when the plan names no timeout. */
export const DEFAULT_DEPLOYMENT_TIMEOUT_MS = 20 * 60_000;

/** What a cohort knows about its deployment (the fields both folds keep on a cohort). */
export interface DeploymentFacts {
  /**
   * The cohort's phase: only `applied` and `passed` take deployment checks
   * (foldDeploymentObserved's WATCHED_PHASES).
   */
  phase: string;
  /** When its update returned: the deployment timeout counts from here. */
  appliedAt?: number;
  /** Where the deployment is watched, when the update returned before the new version served. */
  deployment?: DeploymentRef;
  /**
   * When the new version was seen serving: the bake's clock starts here, never at `appliedAt`
   * while a deployment is still rolling out. Equal to `appliedAt` when there is nothing to
   * watch (the update's return is serving).
   */
  servingAt?: number;
  /** The deployment's last recorded progress (e.g. "1/2 tasks of the new task definition running"). */
  deploymentProgress?: string;
  /** When the deployment was last recorded as checked (`observedAt`): a timeout needs a check after it. */
  deploymentCheckedAt?: number;
  /** The deployment failed, or the platform rolled it back by itself: the release fails here. */
  deploymentFailure?: { state: "failed" | "rolled-back" | "unknown"; reason: string };
}

/**
 * An update returned: what there is to watch before its bake may start.
 * @param t the cohort (mutated)
 * @param e the `applied` event
 * @param at the record's time
 */
export function foldApplied(t: DeploymentFacts, e: EventOf<"applied">, at: number): void {
  t.deployment = e.deployment;
  t.deploymentProgress = undefined;
  t.deploymentCheckedAt = undefined;
  t.deploymentFailure =
    e.deploymentUnknown !== undefined
      ? { state: "unknown", reason: e.deploymentUnknown }
      : undefined;
  // Nothing to watch: the update returned once the new version served (or an older ledger).
  t.servingAt = e.deployment === undefined ? at : undefined;
}

/**
 * The phases whose deployment is watched: deploying and baking (`applied`), and after the bake
 * passed (`passed`): a single release's cohort while the later waves deploy and bake, a train's
 * in its observation window. A platform's own rollback there leaves the cohort on the version
 * before, which the release must not complete (or a train settle) on.
 */
const WATCHED_PHASES: readonly string[] = ["applied", "passed"];

/**
 * A deployment check's result. Only a cohort whose deployment is watched takes it
 * (WATCHED_PHASES): a check that raced a failure, a revert or the window's end is history, not
 * news.
 * @param t the cohort (mutated)
 * @param e the `deployment-observed` event
 */
export function foldDeploymentObserved(
  t: DeploymentFacts,
  e: EventOf<"deployment-observed">,
): void {
  if (!WATCHED_PHASES.includes(t.phase)) return;
  t.deploymentCheckedAt = Math.max(t.deploymentCheckedAt ?? e.observedAt, e.observedAt);
  switch (e.state) {
    case "in-progress":
      t.deploymentProgress = e.reason;
      break;
    case "serving":
      // The first "serving" starts the bake; a later one (after a redeploy of the same version)
      // does not restart it.
      t.servingAt ??= e.observedAt;
      t.deploymentProgress = undefined;
      break;
    case "failed":
    case "rolled-back":
      t.deploymentFailure ??= { state: e.state, reason: e.reason };
      break;
  }
}

/** Where a cohort whose update returned stands with its deployment. */
export type DeploymentVerdict =
  /** The deployment failed, was rolled back, cannot be watched, or timed out: fail the cohort. */
  | { kind: "fail"; reason: string }
  /** The new version does not serve yet: check again (at most once a poll) until `until`. */
  | { kind: "await"; deployment: DeploymentRef; until: number };

/**
 * A cohort that has the release (`applied`): has its deployment failed, is it still rolling
 * out, or does the new version serve (undefined: nothing to do here, its bake may run)? A
 * deployment failure recorded at any time, during the bake too (the platform rolled back by
 * itself), fails it; the revert goes through the stack like any failure.
 * @param t the cohort
 * @param stack its stack, for the reason
 * @param timeoutMs its deployment timeout (undefined: DEFAULT_DEPLOYMENT_TIMEOUT_MS)
 * @param now the time of the decision
 */
export function deploymentVerdict(
  t: DeploymentFacts,
  stack: string,
  timeoutMs: number | undefined,
  now: number,
): DeploymentVerdict | undefined {
  if (t.phase !== "applied") return undefined;
  const failure = deploymentFailureReason(t, stack);
  if (failure !== undefined) return { kind: "fail", reason: failure };
  if (t.servingAt !== undefined || t.deployment === undefined) return undefined;
  const ms = timeoutMs ?? DEFAULT_DEPLOYMENT_TIMEOUT_MS;
  const until = (t.appliedAt ?? now) + ms;
  // Timed out only on a check made at or after the deadline: a run paused (or killed) past it
  // checks once more on resume, and a deployment that completed meanwhile is not failed.
  if (now >= until && (t.deploymentCheckedAt ?? Number.NEGATIVE_INFINITY) >= until) {
    const last = t.deploymentProgress !== undefined ? ` (last seen: ${t.deploymentProgress})` : "";
    return {
      kind: "fail",
      reason: `the new version of ${stack} was not serving ${Math.round(ms / 1000)}s after its update returned (deployment timeout)${last}`,
    };
  }
  return { kind: "await", deployment: t.deployment, until };
}

/**
 * Why the cohort's recorded deployment failure fails it (undefined: none recorded). The
 * verdict's reason, and a passed cohort's: a train's in its observation window
 * (train/scheduler.ts), a single release's while later waves run (machine.ts).
 * @param t the cohort
 * @param stack its stack, for the reason
 */
export function deploymentFailureReason(t: DeploymentFacts, stack: string): string | undefined {
  const failure = t.deploymentFailure;
  if (!failure) return undefined;
  const what =
    failure.state === "rolled-back"
      ? "was rolled back by the platform itself, not by this rollout"
      : failure.state === "unknown"
        ? "cannot be watched"
        : "failed";
  return `the deployment of ${stack} ${what}: ${failure.reason}`;
}

/**
 * Is the cohort's serving deployment checked during its bake and after it passed (a train
 * cohort's observation window, a single release's later waves) for a failure or the platform's
 * own rollback? Only one that has a deployment, serves, and has not failed yet.
 * @param t the cohort
 */
export function watchedDuringBake(t: DeploymentFacts): boolean {
  return !!t.deployment && t.servingAt !== undefined && !t.deploymentFailure;
}
