/**
 * Each release's path through the train, read from the ledger the real controller wrote:
 * per cohort when it entered, was updated, passed its bake, settled, failed, was reverted or
 * superseded; whether the release was held and why; how it finished. Pure: records in, data
 * out, times in seconds from the rollout's start.
 */
import type { RolloutEvent } from "../../core/events.js";
import type { LedgerRecord } from "../../core/ports.js";
import type { TrainOutcome } from "../../core/train/state.js";
import type { TrainWave } from "../../core/train/events.js";

export type PassageStatus =
  | "never entered"
  | "entered"
  | "updating"
  | "baking"
  | "passed"
  | "settled"
  | "failed"
  | "reverting"
  | "reverted"
  | "revert-failed"
  | "superseded";

/** One release at one cohort. */
export interface CohortPassage {
  cohort: string;
  /** 0-based wave index. */
  wave: number;
  status: PassageStatus;
  entered?: number;
  /** The update returned (the bake starts). */
  applied?: number;
  passed?: number;
  settled?: number;
  failed?: { at: number; reason: string; latent: boolean };
  reverted?: number;
  superseded?: { at: number; by: string };
}

export interface ReleasePath {
  release: string;
  version?: string;
  /** This release carries the rehearsal's fault. */
  bad: boolean;
  submitted: number;
  cohorts: CohortPassage[];
  /** Highest wave it entered (0-based), absent when it entered none. */
  furthestWave?: number;
  held?: { at: number; cause: string; reason: string };
  finished?: { at: number; outcome: TrainOutcome; reason: string };
  /** Where its own gate failed it. */
  caught?: { cohort: string; wave: number; at: number; reason: string; latent: boolean };
  /** completed | failed | superseded | aborted, or held / in flight when it had not finished. */
  status: TrainOutcome | "held" | "in flight";
}

/**
 * @param records the train's ledger
 * @param waves the train's waves
 * @param start the rollout's start (epoch ms)
 * @param bad the release carrying the fault, if any
 */
export function releasePaths(
  records: readonly LedgerRecord<RolloutEvent>[],
  waves: readonly TrainWave[],
  start: number,
  bad: string | undefined,
): ReleasePath[] {
  const sec = (at: number): number => (at - start) / 1000;
  const paths = new Map<string, ReleasePath>();
  const passage = (release: string, cohort: string): CohortPassage | undefined =>
    paths.get(release)?.cohorts.find((c) => c.cohort === cohort);
  for (const rec of records) {
    const e = rec.event;
    const t = sec(rec.at);
    if (e.type === "train-submitted") {
      if (paths.has(e.release)) continue;
      paths.set(e.release, {
        release: e.release,
        ...(e.releaseSpec.version !== undefined ? { version: e.releaseSpec.version } : {}),
        bad: e.release === bad,
        submitted: t,
        cohorts: waves.flatMap((w) =>
          w.cohorts.map((c) => ({
            cohort: c.cohort,
            wave: w.index,
            status: "never entered" as const,
          })),
        ),
        status: "in flight",
      });
      continue;
    }
    const path = paths.get(e.release);
    if (!path) continue;
    const p = "cohort" in e ? passage(e.release, e.cohort) : undefined;
    switch (e.type) {
      case "train-entered":
        if (p) Object.assign(p, { status: "entered", entered: t });
        path.furthestWave = Math.max(path.furthestWave ?? -1, e.wave);
        for (const older of e.supersedes) {
          const o = paths.get(older);
          if (!o) continue;
          for (const oc of o.cohorts)
            if (oc.status === "never entered" && oc.wave >= e.wave) {
              oc.status = "superseded";
              oc.superseded = { at: t, by: e.release };
            }
        }
        break;
      case "applying":
        if (p) p.status = "updating";
        break;
      case "applied":
        if (p) Object.assign(p, { status: "baking", applied: t });
        break;
      case "passed":
        if (p) Object.assign(p, { status: "passed", passed: t });
        break;
      case "train-settled":
        if (p) Object.assign(p, { status: "settled", settled: t });
        break;
      case "failed":
        if (p) {
          const latent = p.status === "passed";
          p.status = "failed";
          p.failed = { at: t, reason: e.reason, latent };
          path.caught ??= { cohort: p.cohort, wave: p.wave, at: t, reason: e.reason, latent };
        }
        break;
      case "reverting":
        if (p) p.status = "reverting";
        break;
      case "reverted":
        if (p) Object.assign(p, { status: "reverted", reverted: t });
        break;
      case "revert-failed":
        if (p) p.status = "revert-failed";
        break;
      case "train-held":
        path.held ??= { at: t, cause: e.cause, reason: e.reason };
        break;
      case "train-finished":
        path.finished = { at: t, outcome: e.outcome, reason: e.reason };
        break;
      default:
        break;
    }
  }
  for (const p of paths.values())
    p.status = p.finished ? p.finished.outcome : p.held ? "held" : "in flight";
  return [...paths.values()];
}
