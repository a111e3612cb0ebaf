/**
 * The train commands' flags and their registration with commander (README.md, "Release
 * trains"). Only flags live here: the commands themselves (train-commands.ts, with the
 * scheduler and the controller) load when one runs, so `--help` never pays for them.
 *
 *   cohort-rollout submit --environment prod --train train.json --release r42 --version 1.4.2 [--config K=V ...]
 *   cohort-rollout run    --environment prod [--forever]
 *   cohort-rollout deploy --environment prod --train train.json --release r42 --version 1.4.2
 *   cohort-rollout status --environment prod --train [--json]
 *   cohort-rollout unhold --environment prod --release r43 --reason "r43 carries the fix for r42" [--by alice]
 *   cohort-rollout abort  --environment prod --release r43 --reason "r43 contains r42's bug"     [--by alice]
 *
 * (`abort` is the single-release command's: it hands a train release to train-decisions.ts.)
 *
 * Exit codes (core/exit-codes.ts): 0 done (`submit`: recorded; `run`: the train is idle and
 * every release that finished meanwhile completed or was superseded; `deploy`: the release
 * completed or a newer one superseded it), 1 a release failed or was aborted and was reverted,
 * 2 usage or configuration error (nothing recorded), 3 a human is needed (a held release, a
 * failed revert, the lease held by another controller for `run`, interrupted). `unhold`: 0
 * recorded, 2 refused. `abort` of a train release: 0 recorded (a running controller reverts
 * it), 1 reverted by the command itself, 2 refused, 3 a revert failed or interrupted.
 */
import type { Command } from "commander";
import type { ExitCode } from "../../core/exit-codes.js";
import type { BuiltPorts, CliIo } from "./context.js";
import { type CommonOptions, type Parsed, addCommonOptions, parseOptions } from "./options.js";
import {
  SINGLE_RELEASE_ONLY,
  type TrainDecisionFlags,
  trainDecisionOf,
  trainDecisionProblems,
  trainRunOptionsSchema,
  trainSubmitOptionsSchema,
} from "./train-flags.js";

/** Runs an action with ports built from the common options (main.ts's `withPorts`). */
export type WithPorts = (
  fn: (ports: BuiltPorts, o: CommonOptions, flags: Record<string, unknown>) => Promise<ExitCode>,
  check?: (flags: Record<string, unknown>) => string[],
) => (flags: Record<string, unknown>) => Promise<void>;

const trainCommands = () => import("./train-commands.js");
const trainDecisions = () => import("./train-decisions.js");

/**
 * Is `release` live in the environment's train? Read from the snapshot and the ledger's tail.
 * @param ports the CLI's ports
 * @param o the common options
 * @param io where a reader logs
 * @param release the --release given
 */
export async function liveInTrain(
  ports: BuiltPorts,
  o: CommonOptions,
  io: CliIo,
  release: string,
): Promise<boolean> {
  const { controllerFor, trainPorts } = await trainCommands();
  const state = await controllerFor(await trainPorts(ports, o, io), {
    stopWhenIdle: true,
  }).refresh();
  return state.releases.has(release);
}

/** `resume --release R` of a train release (release-commands.ts hands it over). */
export async function trainResume(
  ports: BuiltPorts,
  o: CommonOptions,
  d: TrainDecisionFlags,
  io: CliIo,
): Promise<ExitCode> {
  return (await trainDecisions()).trainResumeCommand(ports, o, d, io);
}

/** `abort --release R` of a train release (operator-commands.ts hands it over). */
export async function trainAbort(
  ports: BuiltPorts,
  o: CommonOptions,
  d: TrainDecisionFlags,
  io: CliIo,
): Promise<ExitCode> {
  return (await trainDecisions()).trainAbortCommand(ports, o, d, io);
}

function problemsOf<T>(p: Parsed<T>): string[] {
  return p.ok ? [] : p.problems;
}

function parsed<T>(p: Parsed<T>): T {
  // `check` already reported every problem before the ports were built.
  if (!p.ok) throw new Error(p.problems.join("; "));
  return p.value;
}

/**
 * Every problem of `submit`'s flags (zod stops before object-level checks when a field is bad,
 * so the "what does it change" check runs on the raw flags, beside the others).
 * @param flags commander's raw flags
 */
export function trainSubmitProblems(flags: Record<string, unknown>): string[] {
  const config = flags.config;
  const noChange =
    flags.version === undefined && !(Array.isArray(config) && config.length > 0)
      ? [
          "--version or --config: a release changes the version, configuration values, or both; hint: --version 1.4.2 or --config FEATURE_X=on",
        ]
      : [];
  return [...problemsOf(parseOptions(trainSubmitOptionsSchema, flags)), ...noChange];
}

/**
 * `deploy --train`'s flags: the submit flags, and none of the single-release deploy's own.
 * @param flags commander's raw flags
 */
export function trainDeployProblems(flags: Record<string, unknown>): string[] {
  const refused = SINGLE_RELEASE_ONLY.filter((k) => {
    const v = flags[k];
    return v !== undefined && !(Array.isArray(v) && v.length === 0);
  }).map(
    (k) =>
      `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: not used with --train (a train release is its version and --config values); drop it`,
  );
  return [...trainSubmitProblems(flags), ...refused];
}

/** `deploy --train`: submit, then drive (or follow the controller that does) until it finishes. */
export async function trainDeploy(
  withPorts: WithPorts,
  io: CliIo,
  flags: Record<string, unknown>,
): Promise<void> {
  await withPorts(
    async (ports, o, f) =>
      (await trainCommands()).trainDeployCommand(
        ports,
        o,
        parsed(parseOptions(trainSubmitOptionsSchema, f)),
        io,
      ),
    trainDeployProblems,
  )(flags);
}

/** `status --train`: every release in flight, where it is and what it waits for. */
export async function trainStatus(
  withPorts: WithPorts,
  io: CliIo,
  flags: Record<string, unknown>,
): Promise<void> {
  await withPorts(async (ports, o) => (await trainCommands()).trainStatusCommand(ports, o, io))(
    flags,
  );
}

/** Registers `submit`, `run` and `unhold`; `deploy --train`, `status --train` and `abort` are main.ts's. */
export function registerTrainCommands(program: Command, withPorts: WithPorts, io: CliIo): void {
  addCommonOptions(
    program
      .command("submit")
      .description("add a release to the environment's train (`run` moves it)")
      .option("--train <file>", "the train: waves, cohorts, bakes, cadence and policy (JSON)")
      .option("--release <id>", "release id, unique per release (e.g. 2026-11-22.1)")
      .option("--version <version>", "artifact version (absent: a configuration release)")
      .option(
        "--config <KEY=VALUE>",
        "config value of the release (repeatable)",
        (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
      ),
  ).action(
    withPorts(
      async (ports, o, flags) =>
        (await trainCommands()).submitCommand(
          ports,
          o,
          parsed(parseOptions(trainSubmitOptionsSchema, flags)),
          io,
        ),
      trainSubmitProblems,
    ),
  );

  addCommonOptions(
    program
      .command("run")
      .description(
        "the environment's one train controller: moves every submitted release, wave by wave",
      )
      .option("--forever", "keep running when the train is empty or waits for a human"),
  ).action(
    withPorts(
      async (ports, o, flags) =>
        (await trainCommands()).runCommand(
          ports,
          o,
          parsed(parseOptions(trainRunOptionsSchema, flags)),
          io,
        ),
      (flags) => problemsOf(parseOptions(trainRunOptionsSchema, flags)),
    ),
  );

  addCommonOptions(
    program
      .command("unhold")
      .description(
        "release a train release held because one ahead of it failed or was aborted (records who and why)",
      )
      .option("--release <id>", "the held release (as `status --train` shows it)")
      .option("--by <name>", "who decides (default: $COHORT_ROLLOUT_USER, else the login name)")
      .option("--reason <text>", "why it may go on; recorded in the ledger"),
  ).action(
    withPorts(
      async (ports, o, flags) =>
        (await trainDecisions()).unholdCommand(ports, o, trainDecisionOf(flags, io.env), io),
      (flags) => trainDecisionProblems(flags, "unhold"),
    ),
  );
}
