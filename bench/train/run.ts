/**
 * `npm run bench:trains`: a train controller's step on a ledger of 1M events costs what it
 * costs on one of 10k.
 *
 * A template train (TEMPLATE releases through waves [a] then [b, c], queued and pipelined,
 * run by the real controller on a fake clock, ~50 events a release) is replicated block by
 * block into two real file ledgers of at least SMALL_EVENTS (10k) and LARGE_EVENTS (1M: ~20,000
 * releases, eight years of fifty a week), each ending in the same half-finished block. So both
 * end in the same live state (same releases in flight, same cohort cadence history); only
 * their age differs. The files are streamed out a block at a time, and the state a running
 * controller would hold (what it saved as its snapshot) is folded from the same records as
 * they are written, rather than by parsing the 1M-line file back.
 *
 * A step, as the controller runs it on the file backend: append one fact (an alarm reading,
 * through TailedFileLedger's append), fold the records after the last step (its tail reader),
 * decide (core/train/scheduler.ts). Timed STEPS times on each ledger, interleaved, median.
 *
 *   train_step_1m_over_10k         goal <= 1.5 (flat), the headline, printed last
 *   train_cold_start_1m_over_10k   a new controller from the snapshot plus the tail, goal <= 1.5
 *   train_full_fold_1m_over_10k    context: what folding the whole ledger per step would cost
 *
 * Throughput, on a fake clock (the real controller, scheduler and fake stacks): R releases
 * submitted at once through K one-cohort waves, each cohort's update U plus bake B. The ideal
 * pipelined makespan is (R + K - 1) x (U + B); one release at a time takes R x K x (U + B).
 *
 *   train_makespan_over_ideal_pipelined   goal <= 1.05
 *   train_makespan_over_one_at_a_time     context (the pipelining's gain)
 *   train_deploys_per_week / one_at_a_time_deploys_per_week
 *
 * Exit 1 when a goal is missed.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import {
  FileSnapshotStore,
  TailedFileLedger,
  snapshotPathFor,
} from "../../stacks/rollout/adapters/train-file-store.js";
import { type RolloutEvent, parseEvent } from "../../stacks/rollout/core/events.js";
import type { LedgerRecord } from "../../stacks/rollout/core/ports.js";
import { snapshotOf } from "../../stacks/rollout/core/train/compaction.js";
import { decideTrain } from "../../stacks/rollout/core/train/scheduler.js";
import {
  type TrainState,
  applyTrain,
  emptyTrainState,
  foldTrain,
  liveReleases,
} from "../../stacks/rollout/core/train/state.js";
import { TrainController } from "../../stacks/rollout/executor/train-controller.js";
import { MIN, TrainWorld, cohort, policy, waves } from "../../test/rollout/train/train-world.js";
import { GOALS } from "../goals.js";
import { BenchReport, median } from "../report.js";

const TEMPLATE = 20;
const SMALL_EVENTS = Number(process.env.BENCH_TRAIN_SMALL_EVENTS ?? 10_000);
const LARGE_EVENTS = Number(process.env.BENCH_TRAIN_LARGE_EVENTS ?? 1_000_000);
const STEPS = Number(process.env.BENCH_RUNS ?? 150);

type Rec = LedgerRecord<RolloutEvent>;

/**
 * The controller reads only the ledger's tail, as it does on the file and DynamoDB ledgers:
 * the memory ledger's `read` copies the whole history, which on a fake-clock train of
 * thousands of records made the throughput run quadratic in wall time (not in fake time).
 * @param w the world whose ledger gets a tail reader
 */
function tailed(w: TrainWorld): TrainWorld {
  const readAfter = (seq: number): Promise<LedgerRecord<unknown>[]> =>
    Promise.resolve(
      // Appends are at the next sequence number from 1, so record #n is at index n - 1.
      w.ledger.records.slice(seq).map((r) => ({ ...r, event: structuredClone(r.event) })),
    );
  Object.assign(w.ledger, { readAfter });
  return w;
}

/** The template: every record of TEMPLATE releases through the train, and how long it took. */
async function template(): Promise<{ records: Rec[]; span: number }> {
  const w = tailed(
    new TrainWorld(
      waves([cohort("a")], [cohort("b"), cohort("c")]),
      policy({ order: "queue", maxConcurrentUpdates: 2 }),
    ),
  );
  const start = w.clock.now();
  for (let i = 0; i < TEMPLATE; i++) await w.submit(`r${String(i)}`);
  const result = await w.controller().run();
  if (result.outcome !== "idle") throw new Error(`template train: ${result.outcome}`);
  // Parsed once, as a reader would: the copies below are valid events with their defaults.
  const records = w.records().map((r) => ({ ...r, event: parseEvent(r.event) }));
  return { records, span: w.clock.now() - start + 60 * MIN };
}

/**
 * A copy of `records` as block `block`: its own release ids, shifted in time. Shallow: only
 * the fields that name a release are replaced (the rest is shared with the template, never
 * edited).
 */
function copyBlock(records: Rec[], block: number, span: number): Omit<Rec, "seq">[] {
  const prefix = `b${String(block)}-`;
  return records.map((r) => {
    const e = { ...r.event } as Record<string, unknown>;
    e.release = `${prefix}${String(e.release)}`;
    if (e.type === "train-submitted")
      e.releaseSpec = { ...(e.releaseSpec as Record<string, unknown>), id: e.release };
    if (Array.isArray(e.supersedes))
      e.supersedes = (e.supersedes as string[]).map((id) => `${prefix}${id}`);
    if (e.type === "abort-requested" || e.type === "train-held")
      if (typeof e.cause === "string") e.cause = `${prefix}${e.cause}`;
    return { at: r.at + block * span, event: e as RolloutEvent };
  });
}

/**
 * Writes a ledger file of full template blocks, then the half-finished block, with at least
 * `minEvents` records, a block at a time; returns how many records and the state a controller
 * folding them all holds.
 */
function writeLedger(
  path: string,
  minEvents: number,
  t: { records: Rec[]; span: number },
): { events: number; releases: number; state: TrainState } {
  const half = t.records.slice(0, Math.floor(t.records.length / 2));
  const blocks = Math.max(0, Math.ceil((minEvents - half.length) / t.records.length));
  const state = emptyTrainState();
  const fd = openSync(path, "w");
  let seq = 0;
  let releases = 0;
  try {
    for (let b = 0; b <= blocks; b++) {
      const lines: string[] = [];
      for (const r of copyBlock(b < blocks ? t.records : half, b, t.span)) {
        seq += 1;
        if (r.event.type === "train-submitted") releases += 1;
        applyTrain(state, { seq, at: r.at, event: r.event });
        lines.push(JSON.stringify({ seq, at: r.at, event: r.event }));
      }
      writeSync(fd, lines.join("\n") + "\n");
    }
  } finally {
    closeSync(fd);
  }
  return { events: seq, releases, state };
}

interface Subject {
  name: string;
  path: string;
  events: number;
  releases: number;
  ledger: TailedFileLedger;
  controller: TrainController;
  now: { t: number };
}

function controllerOn(path: string, ledger: TailedFileLedger): TrainController {
  return new TrainController(
    {
      // A step here only folds and decides: no cohort action runs.
      driver: undefined as never,
      gate: undefined as never,
      clock: { now: () => 0, sleep: () => Promise.resolve() },
      ledger,
      snapshots: new FileSnapshotStore(snapshotPathFor(path)),
    },
    { owner: "bench" },
  );
}

async function subject(
  dir: string,
  name: string,
  minEvents: number,
  t: { records: Rec[]; span: number },
) {
  const path = join(dir, `${name}.jsonl`);
  const { events, releases, state: folded } = writeLedger(path, minEvents, t);
  // The controller has been running: it has folded the ledger once and saved its snapshot.
  await new FileSnapshotStore(snapshotPathFor(path)).save(snapshotOf(folded));
  const now = { t: 0 };
  const ledger = new TailedFileLedger(path, { now: () => now.t });
  const controller = controllerOn(path, ledger);
  // It starts from that snapshot and the (empty) tail, as after a restart.
  const state = await controller.refresh();
  if (state.lastSeq !== events) throw new Error(`${name}: the snapshot is not at the ledger's end`);
  now.t = state.lastAt;
  return { name, path, events, releases, ledger, controller, now } satisfies Subject;
}

/** Each live release's cohort phases, without its block prefix: equal for equal live states. */
function liveShape(s: TrainState): string {
  return JSON.stringify(
    liveReleases(s).map((r) => [
      r.id.replace(/^b\d+-/, ""),
      [...r.targets.values()].map((x) => x.phase),
    ]),
  );
}

/** An alarm reading of a live release's cohort: the most frequent fact a train appends. */
function reading(s: TrainState, at: number): RolloutEvent {
  for (const r of liveReleases(s))
    for (const [cohortName, target] of r.targets)
      if (target.phase !== "pending")
        return parseEvent({
          type: "observed",
          release: r.id,
          cohort: cohortName,
          phase: "bake",
          final: false,
          readings: [{ name: `${cohortName}-errors`, exists: true, state: "OK" }],
          takenAt: at,
        });
  throw new Error("no live release to observe: the ledger's last block is not half-finished");
}

/** One controller step: append a fact, fold the tail, decide. Milliseconds. */
async function step(x: Subject): Promise<number> {
  const t0 = performance.now();
  x.now.t += 1_000;
  const s = x.controller.state;
  await x.ledger.append(reading(s, x.now.t), s.lastSeq + 1);
  const folded = await x.controller.refresh();
  decideTrain(folded, x.now.t);
  return performance.now() - t0;
}

async function coldStart(x: Subject): Promise<number> {
  const t0 = performance.now();
  const c = controllerOn(x.path, new TailedFileLedger(x.path));
  decideTrain(await c.refresh(), x.now.t);
  return performance.now() - t0;
}

async function fullFold(x: Subject): Promise<number> {
  const t0 = performance.now();
  const records = await new TailedFileLedger(x.path).read();
  decideTrain(
    foldTrain(records.map((r) => ({ seq: r.seq, at: r.at, event: parseEvent(r.event) }))),
    x.now.t,
  );
  return performance.now() - t0;
}

/** R releases through K waves of one cohort each: the makespan and its ideal. */
async function makespan(R: number, K: number, bakeMs: number) {
  const names = Array.from({ length: K }, (_, i) => `w${String(i)}`);
  const w = tailed(
    new TrainWorld(
      waves(...names.map((n) => [cohort(n, { bakeMs })])),
      policy({ order: "queue", maxConcurrentUpdates: K, pollIntervalMs: 15_000 }),
    ),
  );
  const start = w.clock.now();
  for (let i = 0; i < R; i++) await w.submit(`r${String(i)}`);
  const result = await w.controller().run();
  if (result.outcome !== "idle") throw new Error(`throughput train: ${result.outcome}`);
  if (Object.values(w.finished()).some((o) => o !== "completed"))
    throw new Error("throughput train: a release did not complete");
  const stage = w.driver.applyMs + bakeMs;
  return {
    makespan: w.clock.now() - start,
    ideal: (R + K - 1) * stage,
    oneAtATime: R * K * stage,
  };
}

async function main(): Promise<void> {
  const report = new BenchReport();
  const R = 20;
  const K = 3;
  const m = await makespan(R, K, 30 * MIN);
  const WEEK = 7 * 24 * 60 * MIN;
  console.log(
    `throughput: ${String(R)} releases, ${String(K)} waves, bake 30 min: makespan ${(m.makespan / MIN).toFixed(1)} min, ideal ${(m.ideal / MIN).toFixed(1)} min, one at a time ${(m.oneAtATime / MIN).toFixed(1)} min`,
  );
  report.figure("train_deploys_per_week", (R / m.makespan) * WEEK, undefined, 1);
  report.figure("one_at_a_time_deploys_per_week", (R / m.oneAtATime) * WEEK, undefined, 1);
  report.figure("train_makespan_over_one_at_a_time", m.makespan / m.oneAtATime, undefined, 3);
  report.headline(
    "train_makespan_over_ideal_pipelined",
    m.makespan / m.ideal,
    GOALS.trainMakespanOverIdeal,
    3,
  );
  const t = await template();
  const dir = mkdtempSync(join(tmpdir(), "bench-train-"));
  try {
    const built = performance.now();
    const small = await subject(dir, "10k", SMALL_EVENTS, t);
    const large = await subject(dir, "1m", LARGE_EVENTS, t);
    if (liveShape(small.controller.state) !== liveShape(large.controller.state))
      throw new Error("the two ledgers do not end in the same live state");
    console.log(
      `ledgers: ${String(small.events)} events and ${String(large.events)} events ` +
        `(${String(small.releases)} and ${String(large.releases)} releases), ` +
        `written in ${((performance.now() - built) / 1000).toFixed(1)} s, same live state; ` +
        `${String(STEPS)} steps each, interleaved`,
    );
    // Warm-up: the first steps pay for JIT and the file cache.
    for (let i = 0; i < 10; i++) {
      await step(small);
      await step(large);
    }
    const ss: number[] = [];
    const ls: number[] = [];
    for (let i = 0; i < STEPS; i++) {
      ss.push(await step(small));
      ls.push(await step(large));
    }
    const colds: [number[], number[]] = [[], []];
    // Cheap (milliseconds) but noisy on a shared machine: enough repetitions for a steady median.
    for (let i = 0; i < 31; i++) {
      colds[0].push(await coldStart(small));
      colds[1].push(await coldStart(large));
    }
    // Context only, and costly at 1M (the whole file parsed and folded): a few times at 10k, once at 1M.
    const folds: [number[], number[]] = [[], []];
    for (let i = 0; i < 3; i++) folds[0].push(await fullFold(small));
    folds[1].push(await fullFold(large));
    report.figure("train_step_10k_median_ms", median(ss), undefined, 3);
    report.figure("train_step_1m_median_ms", median(ls), undefined, 3);
    report.figure("train_cold_start_10k_median_ms", median(colds[0]), undefined, 3);
    report.figure("train_cold_start_1m_median_ms", median(colds[1]), undefined, 3);
    report.figure("train_full_fold_10k_median_ms", median(folds[0]), undefined, 1);
    report.figure("train_full_fold_1m_ms", median(folds[1]), undefined, 1);
    report.figure("train_full_fold_1m_over_10k", median(folds[1]) / median(folds[0]), undefined, 1);
    report.headline(
      "train_cold_start_1m_over_10k",
      median(colds[1]) / median(colds[0]),
      GOALS.trainColdStart1mOver10k,
    );
    report.headline("train_step_1m_over_10k", median(ls) / median(ss), GOALS.trainStep1mOver10k);
    report.finish();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
