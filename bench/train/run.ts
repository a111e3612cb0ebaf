/**
 * `npm run bench:trains`: a train controller's step on a year-old ledger costs what it costs
 * on a week-old one.
 *
 * A template train (TEMPLATE releases through waves [a] then [b, c], queued and pipelined,
 * run by the real controller on a fake clock) is replicated to a year of releases (YEAR,
 * ~2,500: fifty a week) in a real file ledger, ending in the same half-finished block as a
 * young ledger that holds only that block. So both end in the same live state (same releases
 * in flight, same cohort cadence history); only their age differs.
 *
 * A step, as the controller runs it on the file backend: append one fact (an alarm reading,
 * through TailedFileLedger's append), fold the records after the last step (its tail reader),
 * decide (core/train/scheduler.ts). Timed STEPS times on each ledger, interleaved, median.
 *
 *   train_step_year_over_young   goal <= 1.5 (flat), the headline, printed last
 *   train_cold_start_year_over_young  a new controller from the snapshot plus the tail, goal <= 1.5
 *   train_full_fold_year_over_young   context: what folding the whole ledger per step would cost
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
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
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
import { type TrainState, foldTrain, liveReleases } from "../../stacks/rollout/core/train/state.js";
import { TrainController } from "../../stacks/rollout/executor/train-controller.js";
import { MIN, TrainWorld, cohort, policy, waves } from "../../test/rollout/train/train-world.js";
import { GOALS } from "../goals.js";
import { BenchReport, median } from "../report.js";

const TEMPLATE = 20;
const YEAR = Number(process.env.BENCH_TRAIN_RELEASES ?? 2_500);
const STEPS = Number(process.env.BENCH_RUNS ?? 150);

type Rec = LedgerRecord<RolloutEvent>;

/** The template: every record of TEMPLATE releases through the train, and how long it took. */
async function template(): Promise<{ records: Rec[]; span: number }> {
  const w = new TrainWorld(
    waves([cohort("a")], [cohort("b"), cohort("c")]),
    policy({ order: "queue", maxConcurrentUpdates: 2 }),
  );
  const start = w.clock.now();
  for (let i = 0; i < TEMPLATE; i++) await w.submit(`r${String(i)}`);
  const result = await w.controller().run();
  if (result.outcome !== "idle") throw new Error(`template train: ${result.outcome}`);
  return { records: w.records(), span: w.clock.now() - start + 60 * MIN };
}

/** A copy of `records` as block `block`: its own release ids, shifted in time. */
function copyBlock(records: Rec[], block: number, span: number): Omit<Rec, "seq">[] {
  const prefix = `b${String(block)}-`;
  return records.map((r) => {
    const e = JSON.parse(JSON.stringify(r.event)) as Record<string, unknown>;
    e.release = `${prefix}${String(e.release)}`;
    if (e.type === "train-submitted") {
      const spec = e.releaseSpec as Record<string, unknown>;
      spec.id = e.release;
    }
    if (Array.isArray(e.supersedes))
      e.supersedes = (e.supersedes as string[]).map((id) => `${prefix}${id}`);
    if (e.type === "abort-requested" || e.type === "train-held")
      if (typeof e.cause === "string") e.cause = `${prefix}${e.cause}`;
    return { at: r.at + block * span, event: e as RolloutEvent };
  });
}

/** A ledger file of `blocks` full template blocks, then the half-finished block. */
function writeLedger(path: string, blocks: number, t: { records: Rec[]; span: number }): number {
  const half = t.records.slice(0, Math.floor(t.records.length / 2));
  const all = [
    ...Array.from({ length: blocks }, (_, b) => copyBlock(t.records, b, t.span)).flat(),
    ...copyBlock(half, blocks, t.span),
  ];
  writeFileSync(
    path,
    all.map((r, i) => JSON.stringify({ seq: i + 1, at: r.at, event: r.event })).join("\n") + "\n",
  );
  return all.length;
}

interface Subject {
  name: string;
  path: string;
  events: number;
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
  blocks: number,
  t: { records: Rec[]; span: number },
) {
  const path = join(dir, `${name}.jsonl`);
  const events = writeLedger(path, blocks, t);
  const now = { t: 0 };
  const ledger = new TailedFileLedger(path, { now: () => now.t });
  const controller = controllerOn(path, ledger);
  // The controller has been running: it has folded the ledger once and saved its snapshot.
  const state = await controller.refresh();
  await new FileSnapshotStore(snapshotPathFor(path)).save(snapshotOf(state));
  now.t = state.lastAt;
  return { name, path, events, ledger, controller, now } satisfies Subject;
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
  const w = new TrainWorld(
    waves(...names.map((n) => [cohort(n, { bakeMs })])),
    policy({ order: "queue", maxConcurrentUpdates: K, pollIntervalMs: 15_000 }),
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
  const blocks = Math.max(1, Math.round(YEAR / TEMPLATE));
  const dir = mkdtempSync(join(tmpdir(), "bench-train-"));
  try {
    const young = await subject(dir, "young", 0, t);
    const year = await subject(dir, "year", blocks, t);
    console.log(
      `ledgers: young ${String(young.events)} events (${String(TEMPLATE / 2)} releases), ` +
        `year ${String(year.events)} events (${String(blocks * TEMPLATE + TEMPLATE / 2)} releases); ${String(STEPS)} steps each, interleaved`,
    );
    // Warm-up: the first steps pay for JIT and the file cache.
    for (let i = 0; i < 10; i++) {
      await step(young);
      await step(year);
    }
    const ys: number[] = [];
    const os: number[] = [];
    for (let i = 0; i < STEPS; i++) {
      ys.push(await step(young));
      os.push(await step(year));
    }
    const colds: [number[], number[]] = [[], []];
    const folds: [number[], number[]] = [[], []];
    for (let i = 0; i < 7; i++) {
      colds[0].push(await coldStart(young));
      colds[1].push(await coldStart(year));
      folds[0].push(await fullFold(young));
      folds[1].push(await fullFold(year));
    }
    report.figure("train_step_young_median_ms", median(ys), undefined, 3);
    report.figure("train_step_year_median_ms", median(os), undefined, 3);
    report.figure("train_full_fold_young_median_ms", median(folds[0]), undefined, 1);
    report.figure("train_full_fold_year_median_ms", median(folds[1]), undefined, 1);
    report.figure(
      "train_full_fold_year_over_young",
      median(folds[1]) / median(folds[0]),
      undefined,
      1,
    );
    report.headline(
      "train_cold_start_year_over_young",
      median(colds[1]) / median(colds[0]),
      GOALS.trainColdStartYearOverYoung,
    );
    report.headline(
      "train_step_year_over_young",
      median(os) / median(ys),
      GOALS.trainStepYearOverYoung,
    );
    report.finish();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
