/**
 * Drives a rehearsed train through the real train controller (executor/train-controller.ts,
 * with the real scheduler, core/train/scheduler.ts) over the simulated ports: the simulated
 * fleet's stacks, CloudWatch as the gate, the virtual clock and an in-memory ledger. Two ways:
 * `train` submits every release at once and lets the controller pipeline them; `one at a time`
 * submits the next release only once the previous one has finished, the baseline a train is
 * measured against.
 */
import type { RolloutEvent } from "../../core/events.js";
import type { LedgerRecord } from "../../core/ports.js";
import type { TrainPolicy, TrainReleaseSpec, TrainWave } from "../../core/train/events.js";
import type { TrainState } from "../../core/train/state.js";
import {
  TrainController,
  type TrainRunOutcome,
  type TrainRunResult,
} from "../../executor/train-controller.js";
import { MemoryLedger } from "../adapters/memory-ledger.js";
import type { World } from "../sim/world.js";

export type TrainMode = "train" | "one-at-a-time";

export interface TrainRunSpec {
  environment: string;
  waves: TrainWave[];
  policy: TrainPolicy;
  releases: TrainReleaseSpec[];
  mode: TrainMode;
  /** Virtual epoch ms after which the run is interrupted (a train that never ends is a finding). */
  deadline: number;
  /** The controller's log lines (`--verbose`). */
  log?: (line: string) => void;
}

export interface TrainRun {
  world: World;
  mode: TrainMode;
  records: LedgerRecord<RolloutEvent>[];
  /** How the (last) controller run ended. */
  outcome: TrainRunOutcome;
  reason: string;
  state: TrainState;
  /** When the first release was submitted and when the controller stopped (epoch ms). */
  start: number;
  end: number;
}

/**
 * Runs the train on `world` until it is idle, waits for a human, or passes the deadline.
 * @param world the simulated world (its clock starts at the rollout's start)
 * @param spec the train and how to run it
 */
export async function runTrain(world: World, spec: TrainRunSpec): Promise<TrainRun> {
  const { clock } = world;
  const ledger = new MemoryLedger(clock);
  const stop = new AbortController();
  clock.onAdvance((t) => {
    if (t > spec.deadline && !stop.signal.aborted)
      stop.abort(
        new Error(
          `the train had not stopped ${String(Math.round((spec.deadline - world.rolloutStart) / 3_600_000))} h into the rehearsal`,
        ),
      );
  });
  const controller = (): TrainController =>
    new TrainController(
      {
        driver: world.driver,
        gate: world.gate,
        // The simulated ECS deployments: the bake starts when the new version serves.
        deployments: world.deployments,
        ledger,
        clock,
        ...(spec.log ? { log: spec.log } : {}),
      },
      { owner: `rehearsal-${spec.mode}`, stopWhenIdle: true, signal: stop.signal },
    );
  const submit = async (r: TrainReleaseSpec): Promise<void> => {
    await ledger.append(
      {
        type: "train-submitted",
        release: r.id,
        environment: spec.environment,
        releaseSpec: r,
        waves: spec.waves,
        policy: spec.policy,
      } satisfies RolloutEvent,
      ledger.snapshot().length + 1,
    );
  };
  const start = clock.now();
  let result: TrainRunResult | undefined;
  if (spec.mode === "train") {
    for (const r of spec.releases) await submit(r);
    result = await controller().run();
  } else {
    for (const r of spec.releases) {
      await submit(r);
      result = await controller().run();
      // A failed release stops the line as it stops the train: a human decides what follows.
      const finished = result.state.releases.has(r.id) ? undefined : outcomeOf(ledger, r.id);
      if (result.outcome !== "idle" || finished !== "completed") break;
    }
  }
  if (!result) throw new Error("a rehearsed train has at least one release");
  return {
    world,
    mode: spec.mode,
    records: ledger.snapshot() as LedgerRecord<RolloutEvent>[],
    outcome: result.outcome,
    reason: result.reason,
    state: result.state,
    start,
    end: clock.now(),
  };
}

/**
 * How `release` finished, as the ledger recorded it.
 * @param ledger the train's ledger
 * @param release the release id
 */
function outcomeOf(ledger: MemoryLedger, release: string): string | undefined {
  for (const r of ledger.snapshot()) {
    const e = r.event as RolloutEvent;
    if (e.type === "train-finished" && e.release === release) return e.outcome;
  }
  return undefined;
}
