/**
 * `npm run bench:rollout`: the real runner on the real clock, with short
 * bakes and a 200 ms poll, against CloudWatch on the moto emulator (or an
 * in-memory gate when moto cannot be provisioned; the output says which).
 *
 * 1. Detection to revert: an alarm is set to ALARM at a random moment of a
 *    cohort's bake (at every wave of a 3-wave plan); the latency is from the
 *    SetAlarmState call to the start of the first revert update, as a ratio
 *    to the poll interval (the baseline: a poller cannot beat one interval).
 *    Goal: worst case <= 1.1.
 * 2. Orchestration overhead: a good 3-wave rollout; wall time minus bakes
 *    minus time inside updates, as a share of the wall time. Goal < 1%.
 *
 * The headline, printed last: `detection_to_revert_over_poll: <worst ratio>`.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { realClock } from "../../stacks/rollout/clock.js";
import type { PlannedWave, RolloutEvent } from "../../stacks/rollout/events.js";
import { FileLedger } from "../../stacks/rollout/ledger-file.js";
import { Runner } from "../../stacks/rollout/runner.js";
import { type AlarmWorld, alarmWorld } from "./alarm-world.js";
import { TimedDriver } from "./timed-driver.js";

const POLL_MS = 200;
const COHORTS = ["free", "pro", "enterprise"];

function waves(prefix: string, bakeMs: number[]): PlannedWave[] {
  return COHORTS.map((cohort, index) => ({
    index,
    targets: [
      {
        cohort,
        stack: `bench.${cohort}`,
        criticality: index,
        bakeMs: bakeMs[index] ?? 1_000,
        alarmNames: [`${prefix}-${cohort}-errors`],
        edge: false,
      },
    ],
  }));
}

async function plannedRun(
  world: AlarmWorld,
  id: string,
  plan: PlannedWave[],
  updateMs: number,
  onEvent?: (e: RolloutEvent) => void,
) {
  await world.create(plan.flatMap((w) => w.targets.flatMap((t) => t.alarmNames)));
  const ledger = new FileLedger(
    join(mkdtempSync(join(tmpdir(), "bench-rollout-")), "ledger.jsonl"),
  );
  await ledger.append(
    {
      type: "planned",
      release: id,
      releaseSpec: { id, version: "2.0.0", config: {} },
      environment: "bench",
      waves: plan,
      policy: { insufficientData: "hold", pollIntervalMs: POLL_MS, allowDataLoss: false },
    } satisfies RolloutEvent,
    1,
  );
  const driver = new TimedDriver(updateMs);
  const runner = new Runner(
    {
      driver,
      gate: world.gate,
      ledger,
      clock: realClock,
      progress: (u) => {
        if (u.kind === "event") onEvent?.(u.event);
      },
    },
    { gateAttempts: 3, gateBackoffMs: 100 },
  );
  const started = performance.now();
  const result = await runner.run(id);
  return { result, driver, wallMs: performance.now() - started };
}

/** One trial: ALARM at a random point of wave `wave`'s bake; ms from SetAlarmState to revert start. */
interface Trial {
  /** SetAlarmState call start -> first revert update start, ms. */
  total: number;
  /** SetAlarmState call start -> the ALARM reading is recorded, ms (polling). */
  detect: number;
  /** ALARM recorded -> revert update starts, ms (deciding and recording). */
  react: number;
}

async function detectionTrial(world: AlarmWorld, trial: number, wave: number): Promise<Trial> {
  const prefix = `t${trial}`;
  const bad = COHORTS[wave] ?? "free";
  let alarmAt: number | undefined;
  let observedAt: number | undefined;
  let fired: Promise<void> = Promise.resolve();
  const { result, driver } = await plannedRun(
    world,
    `detect-${trial}`,
    waves(prefix, [1_200, 1_200, 1_200]),
    50,
    (e) => {
      if (e.type === "observed" && e.readings.some((r) => r.state === "ALARM"))
        observedAt ??= performance.now();
      if (e.type === "applied" && e.cohort === bad) {
        const delay = 100 + Math.random() * 800;
        fired = new Promise((resolve) =>
          setTimeout(() => {
            alarmAt = performance.now();
            void world.set(`${prefix}-${bad}-errors`, "ALARM").then(resolve, resolve);
          }, delay),
        );
      }
    },
  );
  await fired;
  if (result.outcome !== "failed")
    throw new Error(`trial ${trial}: expected a failed release, got ${result.outcome}`);
  const revert = driver.calls.find((c) => c.op === "revert-start");
  if (alarmAt === undefined || observedAt === undefined || !revert)
    throw new Error(`trial ${trial}: no alarm, observation or revert`);
  return {
    total: revert.startedAt - alarmAt,
    detect: observedAt - alarmAt,
    react: revert.startedAt - observedAt,
  };
}

function fmt(n: number, digits = 1): string {
  return n.toFixed(digits);
}

async function main(): Promise<void> {
  const world = await alarmWorld();
  try {
    console.log(`gate: ${world.label}`);
    console.log(
      `runner: real Runner, real clock, file ledger (fsync per append), poll ${POLL_MS} ms`,
    );

    // 1. Detection to revert, 3 trials at each wave.
    const trials: Trial[] = [];
    for (let trial = 0; trial < 9; trial++)
      trials.push(await detectionTrial(world, trial, trial % 3));
    const avg = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
    const stat = (xs: number[]) =>
      `mean ${fmt(avg(xs))} ms, max ${fmt(Math.max(...xs))} ms (min ${fmt(Math.min(...xs))})`;
    const latencies = trials.map((t) => t.total);
    const mean = avg(latencies) / POLL_MS;
    const worst = Math.max(...latencies) / POLL_MS;
    console.log(
      `alarm enters ALARM -> revert update starts (n=${trials.length}): ${stat(latencies)}`,
    );
    console.log(`  polling (-> ALARM reading recorded): ${stat(trials.map((t) => t.detect))}`);
    console.log(`  deciding (-> revert update starts): ${stat(trials.map((t) => t.react))}`);
    console.log(
      `  as a ratio to the poll interval: mean ${fmt(mean, 2)}, worst ${fmt(worst, 2)} (goal <= 1.1)`,
    );

    // 2. Orchestration overhead of a good rollout.
    const bakes = [3_000, 4_000, 5_000];
    const { result, driver, wallMs } = await plannedRun(
      world,
      "overhead",
      waves("ovh", bakes),
      250,
    );
    if (result.outcome !== "completed")
      throw new Error(`overhead run: ${result.outcome} (${result.reason})`);
    const bakeMs = bakes.reduce((a, b) => a + b, 0);
    const busyMs = driver.busyMs();
    const overheadMs = wallMs - bakeMs - busyMs;
    const pct = (overheadMs / wallMs) * 100;
    console.log(
      `good 3-wave rollout: wall ${fmt(wallMs)} ms = bakes ${bakeMs} ms + updates ${fmt(busyMs)} ms + orchestration ${fmt(overheadMs)} ms`,
    );
    console.log(
      `  orchestration per wave: ${fmt(overheadMs / bakes.length)} ms (pre-deploy read, final read, ledger appends; independent of bake length)`,
    );
    console.log(`orchestration_overhead_pct: ${fmt(pct, 2)} (goal < 1)`);
    console.log(`detection_to_revert_over_poll: ${fmt(worst, 2)}`);
  } finally {
    await world.close();
  }
}

await main();
