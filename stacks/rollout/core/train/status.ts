/**
 * A train's status: every live release, where it is (each cohort's phase), and what it waits
 * for (a deployment to serve, bake, observation, interval, window, day limit, slot, order, wave,
 * an update slot, a human), straight from the scheduler's waits — the same reasons the controller acts on.
 */
import { type TrainWait, decideTrain } from "./scheduler.js";
import type { TrainRelease, TrainState, TrainTargetPhase } from "./state.js";
import { liveReleases } from "./state.js";

export interface TrainReleaseStatus {
  release: string;
  kind: "version" | "config" | "version+config";
  version?: string;
  config: Record<string, string>;
  state: "queued" | "rolling" | "held" | "reverting" | "aborting" | "superseded";
  submittedAt: string;
  /**
   * Each cohort's phase; `deploying` (as in a single release's status): its update returned and
   * its new version does not serve yet, so its bake has not started (`progress`: the last
   * recorded check).
   */
  cohorts: {
    cohort: string;
    wave: number;
    phase: TrainTargetPhase | "deploying";
    progress?: string;
  }[];
  waits: Omit<TrainWait, "release">[];
  held?: { cause: string; reason: string };
  failure?: { cohort: string; reason: string; latent: boolean };
  abort?: { by: string; reason?: string };
  /** For a held release: the commands a human decides with (release it, or abort it). */
  decide?: { unhold: string; abort: string };
  /** For a release whose revert failed: the command that retries it once the stack is fixed. */
  retryRevert?: string;
}

/**
 * Builds the exact commands a human runs to decide about a held release (the CLI knows the
 * flags that locate the ledger; the core does not).
 */
export interface DecisionCommands {
  /** @param release the held release */
  unhold(release: string): string;
  /** @param release the held release */
  abort(release: string): string;
  /** @param release a release a revert of which failed (absent: not shown) */
  resume?(release: string): string;
}

export interface TrainStatus {
  at: string;
  releases: TrainReleaseStatus[];
}

/**
 * Where a release stands, in one word: what it does now, or what stops it.
 * @param r a live release of the train
 */
export function releaseState(r: TrainRelease): TrainReleaseStatus["state"] {
  if (r.failure) return "reverting";
  if (r.abortRequested !== undefined) return "aborting";
  if (r.held) return "held";
  if (r.supersededBy) return "superseded";
  return [...r.targets.values()].every((t) => t.phase === "pending") ? "queued" : "rolling";
}

/**
 * The train's status as of `now`.
 * @param s the train's state
 * @param now the time the waits are computed for
 * @param commands the decision commands shown for a held release (absent: none shown)
 */
export function trainStatus(s: TrainState, now: number, commands?: DecisionCommands): TrainStatus {
  const d = decideTrain(s, now);
  return {
    at: new Date(now).toISOString(),
    releases: liveReleases(s).map((r) => {
      const targets = [...r.targets.values()].sort(
        (a, b) => a.wave - b.wave || a.cohort.cohort.localeCompare(b.cohort.cohort),
      );
      const state = releaseState(r);
      const hasConfig = Object.keys(r.spec.config).length > 0;
      return {
        release: r.id,
        kind: r.spec.version === undefined ? "config" : hasConfig ? "version+config" : "version",
        ...(r.spec.version !== undefined ? { version: r.spec.version } : {}),
        config: r.spec.config,
        state,
        submittedAt: new Date(r.submittedAt).toISOString(),
        cohorts: targets.map((t) => {
          const deploying = t.phase === "applied" && t.servingAt === undefined;
          return {
            cohort: t.cohort.cohort,
            wave: t.wave,
            phase: deploying ? ("deploying" as const) : t.phase,
            ...(deploying && t.deploymentProgress !== undefined
              ? { progress: t.deploymentProgress }
              : {}),
          };
        }),
        waits: d.waits.filter((w) => w.release === r.id).map(({ release: _release, ...w }) => w),
        ...(r.held ? { held: r.held } : {}),
        ...(r.failure ? { failure: r.failure } : {}),
        ...(r.abort
          ? {
              abort: {
                by: r.abort.by,
                ...(r.abort.reason !== undefined ? { reason: r.abort.reason } : {}),
              },
            }
          : {}),
        ...(state === "held" && commands
          ? { decide: { unhold: commands.unhold(r.id), abort: commands.abort(r.id) } }
          : {}),
        ...(commands?.resume && targets.some((t) => t.phase === "revert-failed")
          ? { retryRevert: commands.resume(r.id) }
          : {}),
      };
    }),
  };
}

/** The status as text, one block per release. */
export function formatTrainStatus(st: TrainStatus): string {
  if (st.releases.length === 0) return `train: no release in flight (${st.at})\n`;
  const lines = [`train at ${st.at}: ${String(st.releases.length)} release(s) in flight`];
  for (const r of st.releases) {
    const what =
      r.kind === "config"
        ? `config ${JSON.stringify(r.config)}`
        : `${r.version ?? ""}${r.kind === "version+config" ? ` + config ${JSON.stringify(r.config)}` : ""}`;
    lines.push(`${r.release} [${r.state}] ${what}`);
    lines.push(
      `  where: ${r.cohorts.map((c) => `${c.cohort}(w${String(c.wave + 1)}):${c.phase}`).join("  ")}`,
    );
    for (const w of r.waits)
      lines.push(
        `  waits for ${w.waitingFor}${w.cohort !== undefined ? ` at ${w.cohort}` : ""}${w.until !== undefined ? ` until ${new Date(w.until).toISOString()}` : ""}: ${w.reason}`,
      );
    if (r.abort)
      lines.push(
        `  aborted by ${r.abort.by}${r.abort.reason !== undefined ? `: ${r.abort.reason}` : ""}`,
      );
    if (r.decide)
      lines.push(
        `  to let it go on: ${r.decide.unhold}`,
        `  to stop it (reverting what it reached): ${r.decide.abort}`,
      );
    if (r.retryRevert)
      lines.push(`  once the stack is fixed, to retry the revert: ${r.retryRevert}`);
  }
  return lines.join("\n") + "\n";
}
