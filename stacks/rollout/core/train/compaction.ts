/**
 * Snapshots of a train's state, so folding does not grow with the ledger's age. The state
 * (state.ts) keeps only live releases and each cohort's last two days of entries, so a
 * snapshot taken at record #n plus the records after it folds to the state the whole ledger
 * folds to — and the scheduler decides the same (test/rollout/train/compaction.test.ts proves
 * it as a property). A snapshot is plain JSON: Maps become arrays of entries.
 */
import type { CadenceHistory } from "./cadence.js";
import type { TrainRelease, TrainState, TrainTarget } from "./state.js";

export const SNAPSHOT_VERSION = 1;

type SerializedRelease = Omit<TrainRelease, "targets"> & { targets: [string, TrainTarget][] };

export interface TrainSnapshot {
  version: typeof SNAPSHOT_VERSION;
  /** The last record folded into `state`. */
  seq: number;
  state: {
    releases: SerializedRelease[];
    order: string[];
    cohorts: [string, CadenceHistory][];
    lastAt: number;
  };
}

/** Stores the latest snapshot of one environment's train (a file beside the ledger, a DynamoDB item). */
export interface SnapshotStore {
  load(): Promise<TrainSnapshot | undefined>;
  save(snapshot: TrainSnapshot): Promise<void>;
}

/** A deep, JSON-safe copy of the state as of its last record. */
export function snapshotOf(s: TrainState): TrainSnapshot {
  const copy = JSON.parse(
    JSON.stringify({
      releases: [...s.releases.values()].map((r) => ({ ...r, targets: [...r.targets.entries()] })),
      order: s.order,
      cohorts: [...s.cohorts.entries()],
      lastAt: s.lastAt,
    }),
  ) as TrainSnapshot["state"];
  return { version: SNAPSHOT_VERSION, seq: s.lastSeq, state: copy };
}

/** The state a snapshot holds; fold the records after `snapshot.seq` onto it. */
export function restoreSnapshot(snap: TrainSnapshot): TrainState {
  if (snap.version !== SNAPSHOT_VERSION)
    throw new Error(
      `train snapshot version ${String(snap.version)} is not ${String(SNAPSHOT_VERSION)}; delete the snapshot file to fold the whole ledger again`,
    );
  const copy = JSON.parse(JSON.stringify(snap.state)) as TrainSnapshot["state"];
  return {
    releases: new Map(copy.releases.map((r) => [r.id, { ...r, targets: new Map(r.targets) }])),
    order: copy.order,
    cohorts: new Map(copy.cohorts),
    lastSeq: snap.seq,
    lastAt: copy.lastAt,
  };
}
