/**
 * The controller's cost per cohort update on the REAL Pulumi engine: the
 * AutomationDriver's `apply` of a release against a bare `pulumi config set-all`
 * + `pulumi up --yes --skip-preview` of the same pin change on the same stack
 * (the provider-free test program, a file backend). Both are timed in the same
 * run, interleaved (the order flips every round) so a busy moment of the machine
 * lands on both; each is reduced with the median.
 *
 * What the driver adds is its own work: selecting the stack, reading and setting
 * its config, exporting the state to look for pending operations, the Automation
 * API's event log. That difference, over the bare update, is the overhead.
 */
import { join } from "node:path";
import type { Pin } from "../../components/contract.js";
import { AutomationDriver } from "../../stacks/rollout/adapters/automation-driver.js";
import {
  type PulumiCommandLike,
  resolvePulumiCommand,
} from "../../stacks/rollout/adapters/pulumi-command.js";
import type { Release } from "../../stacks/rollout/core/ports.js";
import { pulumiEngineFor } from "../../test/support/engine.js";
import { EngineProject, PROJECT } from "../../test/support/engine-project.js";
import { median } from "../report.js";

const STACK = "bench.free";

export interface EngineOverhead {
  engineVersion: string;
  /** Wall ms of each bare config set + up. */
  bareMs: number[];
  /** Wall ms of each AutomationDriver.apply. */
  driverMs: number[];
  /** (median driver - median bare) / median bare, in percent. */
  overheadPct: number;
  /** Per driver apply: ms in each kind of CLI call (e.g. "stack export"), over all applies. */
  cliMsByCall: Map<string, number[]>;
}

/** The real CLI, timing each call by its first two arguments (where the driver's time goes). */
function timedCli(cli: PulumiCommandLike, into: Map<string, number>): PulumiCommandLike {
  return {
    command: cli.command,
    version: cli.version,
    async run(args, ...rest) {
      const started = performance.now();
      try {
        return await cli.run(args, ...rest);
      } finally {
        const key = args
          .slice(0, 2)
          .filter((a) => !a.startsWith("-"))
          .join(" ");
        into.set(key, (into.get(key) ?? 0) + performance.now() - started);
      }
    },
  };
}

/**
 * Runs `rounds` bare updates and `rounds` driver applies, each a pin change.
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
    const perApply = new Map<string, number>();
    const cli = timedCli(await resolvePulumiCommand(join(project.dir, "cli")), perApply);
    const driver = new AutomationDriver(project.driverOptions({ pulumiCommand: cli }));
    const cliMsByCall = new Map<string, number[]>();
    const bareMs: number[] = [];
    const driverMs: number[] = [];
    let version = 1;
    const bare = async (): Promise<void> => {
      const pin = pinOf(version++);
      const started = performance.now();
      await project.pulumi([
        "config",
        "set-all",
        "--stack",
        STACK,
        "--plaintext",
        `${PROJECT}:pin=${JSON.stringify(pin)}`,
      ]);
      await project.pulumi(["up", "--yes", "--skip-preview", "--stack", STACK]);
      bareMs.push(performance.now() - started);
    };
    const viaDriver = async (): Promise<void> => {
      const pin = pinOf(version++);
      const release: Release = { id: pin.release, version: pin.version, config: pin.config };
      perApply.clear();
      const started = performance.now();
      const result = await driver.apply(STACK, release);
      const ms = performance.now() - started;
      if (!result.ok)
        throw new Error(`driver apply of ${pin.version} failed: ${result.error ?? "?"}`);
      driverMs.push(ms);
      for (const [call, callMs] of perApply)
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
        `real engine round ${round + 1}/${rounds}: bare config set + up ${fmt(bareMs.at(-1))} ms, driver apply ${fmt(driverMs.at(-1))} ms`,
      );
    }
    const bareMedian = median(bareMs);
    const overheadPct = ((median(driverMs) - bareMedian) / bareMedian) * 100;
    return { engineVersion: engine.version, bareMs, driverMs, overheadPct, cliMsByCall };
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
