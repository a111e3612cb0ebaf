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
 * 3. Controller overhead on the REAL Pulumi engine (engine-overhead.ts): the
 *    time of the AutomationDriver's update of a cohort (apply + the outputs read
 *    after it) not spent in `pulumi`, against a bare `pulumi up --config=<pin>` of
 *    the same pin change on the same stack, medians of ENGINE_ROUNDS each, as a
 *    share of the bare update. Goal < 5 %. The end-to-end difference is printed
 *    beside it. Skipped with a loud `!!! SKIPPED` line when
 *    the engine is absent outside CI (never in CI). `BENCH_ONLY=engine` runs only
 *    this one.
 *
 * All are repeated and reduced with the median, so one slow moment of a
 * shared machine does not decide them. All have goals: the process exits 1
 * when one misses. The headline, printed last:
 * `detection_to_revert_over_poll: <median over rounds of each round's worst ratio>`.
 * A further figure (e.g. against a real engine) is one more `report.figure` or
 * `report.headline` call with its goal in bench/goals.ts.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { realClock } from "../../stacks/rollout/adapters/real-clock.js";
import type { PlannedWave, RolloutEvent } from "../../stacks/rollout/core/events.js";
import { FileLedger } from "../../stacks/rollout/adapters/ledger-file.js";
import { Runner } from "../../stacks/rollout/executor/runner.js";
import { quietSdkNodeVersionNotice } from "../../stacks/rollout/adapters/aws-client-config.js";
import { GOALS } from "../goals.js";
import { BenchReport, median } from "../report.js";
import { type AlarmWorld, alarmWorld } from "./alarm-world.js";
import { measureEngineOverhead } from "./engine-overhead.js";
import { FakeDriver } from "../../test/kit/driver.js";

const POLL_MS = 200;
/** Repetitions of each measurement; the figures are their medians. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const COHORTS = ["free", "pro", "enterprise"];
/** Updates per side on the real engine (each is seconds long: keep it small). */
const ENGINE_ROUNDS = Number(process.env.BENCH_ENGINE_ROUNDS ?? 5);

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
  // The test kit's driver on the real clock: each update takes `updateMs` of wall time, and
  // every call's wall time is recorded, so the updates can be subtracted from the rollout's.
  const driver = new FakeDriver(realClock);
  driver.applyMs = updateMs;
  for (const w of plan)
    for (const t of w.targets)
      driver.addStack(t.stack, { release: "r0", version: "1.0.0", config: {} });
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
  const revert = driver.calls.find((c) => c.op === "revert");
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
  quietSdkNodeVersionNotice();
  const report = new BenchReport();

  // 3 first, before the alarm emulator starts: the real engine has the machine to itself.
  const engine = await measureEngineOverhead(ENGINE_ROUNDS, (line) => console.log(line));
  if (engine) {
    console.log(
      `real engine ${engine.engineVersion}: bare up --config median ${fmt(median(engine.bareMs))} ms, driver update (apply + outputs) median ${fmt(median(engine.driverMs))} ms (n=${engine.bareMs.length} each)`,
    );
    const calls = [...engine.cliMsByCall]
      .map(([call, ms]) => `${call} ${fmt(median(ms), 0)}`)
      .join(", ");
    console.log(`  driver update, median ms per CLI call: ${calls}`);
    report.figure("cli_calls_per_cohort_update", median(engine.callsPerUpdate), undefined, 0);
    console.log(
      `  checks before the update: bare preview median ${fmt(median(engine.barePreviewMs))} ms, driver lastGoodUpdate + preview median ${fmt(median(engine.driverPreviewMs))} ms`,
    );
    report.figure("checks_overhead_vs_bare_preview_pct", engine.previewOverheadPct);
    console.log(
      `  driver update outside pulumi: median ${fmt(median(engine.driverOutsideCliMs))} ms; end to end (driver update vs bare up, the CLI's own event log included): ${fmt(engine.endToEndPct)} %`,
    );
    report.figure("driver_update_vs_bare_up_end_to_end_pct", engine.endToEndPct);
    report.headline(
      "controller_overhead_vs_bare_up_pct",
      engine.overheadPct,
      GOALS.controllerOverheadVsBareUpPct,
    );
  } else {
    console.log("controller_overhead_vs_bare_up_pct: SKIPPED (no real Pulumi engine; see above)");
  }

  if (process.env.BENCH_ONLY === "engine") {
    report.finish();
    return;
  }
  const world = await alarmWorld();
  try {
    console.log(`gate: ${world.label}`);
    console.log(
      `runner: real Runner, real clock, file ledger (fsync per append), poll ${POLL_MS} ms`,
    );

    // 1. Detection to revert: each round has a trial at each wave; a round's figure is its worst.
    const trials: Trial[] = [];
    const roundWorst: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const inRound: Trial[] = [];
      for (let wave = 0; wave < 3; wave++)
        inRound.push(await detectionTrial(world, round * 3 + wave, wave));
      trials.push(...inRound);
      roundWorst.push(Math.max(...inRound.map((t) => t.total)) / POLL_MS);
    }
    const avg = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
    const stat = (xs: number[]) =>
      `mean ${fmt(avg(xs))} ms, max ${fmt(Math.max(...xs))} ms (min ${fmt(Math.min(...xs))})`;
    const latencies = trials.map((t) => t.total);
    const mean = avg(latencies) / POLL_MS;
    const worst = median(roundWorst);
    console.log(
      `alarm enters ALARM -> revert update starts (n=${trials.length}): ${stat(latencies)}`,
    );
    console.log(`  polling (-> ALARM reading recorded): ${stat(trials.map((t) => t.detect))}`);
    console.log(`  deciding (-> revert update starts): ${stat(trials.map((t) => t.react))}`);
    console.log(
      `  as a ratio to the poll interval: mean ${fmt(mean, 2)}; worst per round ${roundWorst.map((w) => fmt(w, 2)).join(", ")}`,
    );

    // 2. Orchestration overhead of a good rollout, as a share of its own wall time, per round.
    const bakes = [3_000, 4_000, 5_000];
    const bakeMs = bakes.reduce((a, b) => a + b, 0);
    const shares: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const { result, driver, wallMs } = await plannedRun(
        world,
        `overhead-${round}`,
        waves(`ovh${round}`, bakes),
        250,
      );
      if (result.outcome !== "completed")
        throw new Error(`overhead run: ${result.outcome} (${result.reason})`);
      const busyMs = driver.busyMs();
      const overheadMs = wallMs - bakeMs - busyMs;
      shares.push((overheadMs / wallMs) * 100);
      console.log(
        `good 3-wave rollout ${round + 1}/${ROUNDS}: wall ${fmt(wallMs)} ms = bakes ${bakeMs} ms + updates ${fmt(busyMs)} ms + orchestration ${fmt(overheadMs)} ms (${fmt(overheadMs / bakes.length)} ms per wave)`,
      );
    }
    report.headline("orchestration_overhead_pct", median(shares), GOALS.orchestrationOverheadPct);
    report.headline("detection_to_revert_over_poll", worst, GOALS.detectionToRevertOverPoll);
  } finally {
    await world.close();
  }
  report.finish();
}

await main();
