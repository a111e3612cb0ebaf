/**
 * The controller's cost per cohort update on the REAL Pulumi engine (the
 * provider-free test program, a file backend), against the cheapest bare way to
 * make the same update: `pulumi up --yes --skip-preview --config=<pin>` of the
 * same pin change on the same stack. Both are timed in the same run, interleaved
 * (the order flips every round) so a busy moment of the machine lands on both,
 * and each is reduced with the median.
 *
 * The driver side is what the runner does for one cohort, with a new driver each
 * round (nothing known of the stack yet, as in a new `cohort-rollout` process):
 * `lastGoodUpdate` and `preview` (the checks before the update; the bare side runs
 * `pulumi preview --config=<pin>`), then, timed as the update, `apply` and the
 * `outputs` read that follows it.
 *
 * The overhead (the definition, #9): the time of a driver update NOT spent
 * in a `pulumi` process (selecting, reading config, following the event log,
 * deciding), as a share of the bare update. Reported beside it, without a goal:
 * the end-to-end difference (driver update vs bare up), which also holds what the
 * CLI itself spends on what the driver asks of it (writing the event log), and
 * the checks before the update against the bare preview.
 */
import { join } from "node:path";
import type { Pin } from "../../components/contract.js";
import { AutomationDriver } from "../../stacks/rollout/adapters/automation-driver.js";
import {
  type PulumiCommandLike,
  resolvePulumiCommand,
} from "../../stacks/rollout/adapters/pulumi-command.js";
import type { Release } from "../../stacks/rollout/core/ports.js";
import { encodePin } from "../../stacks/rollout/core/stack-config-codec.js";
import { pulumiEngineFor } from "../../test/support/engine.js";
import { EngineProject, PROJECT } from "../../test/support/engine-project.js";
import { median } from "../report.js";

const STACK = "bench.free";

export interface EngineOverhead {
  engineVersion: string;
  /** Wall ms of each bare `pulumi up --config`. */
  bareMs: number[];
  /** Wall ms of each driver update: apply, then the outputs read. */
  driverMs: number[];
  /** Wall ms of each bare `pulumi preview --config`. */
  barePreviewMs: number[];
  /** Wall ms of each driver's checks before the update: lastGoodUpdate, then preview. */
  driverPreviewMs: number[];
  /** Wall ms of each driver update spent outside `pulumi` processes. */
  driverOutsideCliMs: number[];
  /** median(driver time outside pulumi) / median bare, in percent: the headline. */
  overheadPct: number;
  /** (median driver - median bare) / median bare, in percent. */
  endToEndPct: number;
  /** The same for the checks before the update. */
  previewOverheadPct: number;
  /** CLI calls per driver update (apply + outputs), one entry per round. */
  callsPerUpdate: number[];
  /** Per driver update: ms in each kind of CLI call (e.g. "up"), over all rounds. */
  cliMsByCall: Map<string, number[]>;
}

/** The real CLI, counting and timing each call by its first two arguments. */
function timedCli(
  cli: PulumiCommandLike,
  into: Map<string, number>,
  calls: string[],
): PulumiCommandLike {
  return {
    command: cli.command,
    version: cli.version,
    async run(args, ...rest) {
      const started = performance.now();
      const key = args
        .slice(0, 2)
        .filter((a) => !a.startsWith("-"))
        .join(" ");
      calls.push(key);
      try {
        return await cli.run(args, ...rest);
      } finally {
        into.set(key, (into.get(key) ?? 0) + performance.now() - started);
      }
    },
  };
}

/**
 * Runs `rounds` bare updates and `rounds` driver updates, each a pin change.
 * Undefined when the engine is absent outside CI (pulumiEngineFor printed a loud
 * SKIPPED line); in CI a missing engine throws.
 */
export async function measureEngineOverhead(
  rounds: number,
  log: (line: string) => void,
): Promise<EngineOverhead | undefined> {
  const engine = pulumiEngineFor("bench:rollout controller overhead on the real engine");
  if (!engine) return undefined;
  try {
    const project = new EngineProject(engine, "bench");
    await project.seedCohort(STACK, "free", pinOf(0));
    const perCall = new Map<string, number>();
    const calls: string[] = [];
    const cli = timedCli(await resolvePulumiCommand(join(project.dir, "cli")), perCall, calls);
    const cliMsByCall = new Map<string, number[]>();
    const r: Omit<
      EngineOverhead,
      "engineVersion" | "overheadPct" | "endToEndPct" | "previewOverheadPct" | "cliMsByCall"
    > = {
      bareMs: [],
      driverMs: [],
      driverOutsideCliMs: [],
      barePreviewMs: [],
      driverPreviewMs: [],
      callsPerUpdate: [],
    };
    let version = 1;
    const timed = async (into: number[], work: () => Promise<unknown>): Promise<void> => {
      const started = performance.now();
      await work();
      into.push(performance.now() - started);
    };
    const bare = async (): Promise<void> => {
      const config = `--config=${PROJECT}:pin=${encodePin(pinOf(version++))}`;
      await timed(r.barePreviewMs, () => project.pulumi(["preview", "--stack", STACK, config]));
      await timed(r.bareMs, () =>
        project.pulumi(["up", "--yes", "--skip-preview", "--stack", STACK, config]),
      );
    };
    const viaDriver = async (): Promise<void> => {
      const pin = pinOf(version++);
      const release: Release = { id: pin.release, version: pin.version, config: pin.config };
      // A new driver: nothing known of the stack, as in a new cohort-rollout process.
      const driver = new AutomationDriver(project.driverOptions({ pulumiCommand: cli }));
      await timed(r.driverPreviewMs, async () => {
        await driver.lastGoodUpdate(STACK);
        await driver.preview(STACK, release);
      });
      perCall.clear();
      calls.length = 0;
      await timed(r.driverMs, async () => {
        const result = await driver.apply(STACK, release);
        if (!result.ok)
          throw new Error(`driver apply of ${pin.version} failed: ${result.error ?? "?"}`);
        await driver.outputs(STACK);
      });
      r.callsPerUpdate.push(calls.length);
      const inCli = [...perCall.values()].reduce((a, b) => a + b, 0);
      r.driverOutsideCliMs.push(Math.max(0, (r.driverMs.at(-1) ?? 0) - inCli));
      for (const [call, callMs] of perCall)
        cliMsByCall.set(call, [...(cliMsByCall.get(call) ?? []), callMs]);
    };
    for (let round = 0; round < rounds; round++) {
      // Flip the order each round: neither side always runs right after the other.
      if (round % 2 === 0) {
        await bare();
        await viaDriver();
      } else {
        await viaDriver();
        await bare();
      }
      log(
        `real engine round ${round + 1}/${rounds}: bare up ${fmt(r.bareMs.at(-1))} ms, driver update ${fmt(r.driverMs.at(-1))} ms (${String(r.callsPerUpdate.at(-1))} CLI calls: ${calls.join(", ")}); bare preview ${fmt(r.barePreviewMs.at(-1))} ms, driver checks ${fmt(r.driverPreviewMs.at(-1))} ms`,
      );
    }
    const pct = (driver: number[], bareSide: number[]): number =>
      ((median(driver) - median(bareSide)) / median(bareSide)) * 100;
    return {
      engineVersion: engine.version,
      ...r,
      overheadPct: (median(r.driverOutsideCliMs) / median(r.bareMs)) * 100,
      endToEndPct: pct(r.driverMs, r.bareMs),
      previewOverheadPct: pct(r.driverPreviewMs, r.barePreviewMs),
      cliMsByCall,
    };
  } finally {
    EngineProject.cleanUp();
  }
}

/** The n-th pin: a new version each time, so every update changes the service. */
function pinOf(n: number): Pin {
  return { release: `bench-${String(n)}`, version: `1.0.${String(n)}`, config: { LOG: "info" } };
}

function fmt(ms: number | undefined): string {
  return ms === undefined ? "?" : ms.toFixed(0);
}
