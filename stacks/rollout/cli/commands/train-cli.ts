/**
 * The train commands' flags and their registration with commander (README.md, "Release
 * trains"). Only flags live here: the commands themselves (train-commands.ts, with the
 * scheduler and the controller) load when one runs, so `--help` never pays for them.
 *
 *   cohort-rollout submit --environment prod --train train.json --release r42 --version 1.4.2 [--config K=V ...]
 *   cohort-rollout run    --environment prod [--forever]
 *   cohort-rollout deploy --environment prod --train train.json --release r42 --version 1.4.2
 *   cohort-rollout status --environment prod --train [--json]
 *
 * Exit codes (core/exit-codes.ts): 0 done (`submit`: recorded; `run`: the train is idle and
 * every release that finished meanwhile completed or was superseded; `deploy`: the release
 * completed or a newer one superseded it), 1 a release failed or was aborted and was reverted,
 * 2 usage or configuration error (nothing recorded), 3 a human is needed (a held release, a
 * failed revert, the lease held by another controller for `run`, interrupted).
 */
import type { Command } from "commander";
import { z } from "zod";
import type { ExitCode } from "../../core/exit-codes.js";
import type { BuiltPorts, CliIo } from "./context.js";
import {
  type CommonOptions,
  type Parsed,
  addCommonOptions,
  parseOptions,
  releaseOptionsSchema,
} from "./options.js";

/** What `submit` and `deploy --train` add to the train. */
export const trainSubmitOptionsSchema = releaseOptionsSchema
  .pick({ release: true, config: true })
  .extend({
    train: z.string({
      error: "--train: required; hint: --train train.json (the environment's waves and policy)",
    }),
    /** Absent: a configuration release, which keeps each cohort's version. */
    version: z.string().min(1).optional(),
  });
export type TrainSubmitOptions = z.infer<typeof trainSubmitOptionsSchema>;

/** How `run` runs. */
export const trainRunOptionsSchema = z.object({
  /** Keep running when the train is empty or waits for a human (a long-lived controller). */
  forever: z.boolean().default(false),
});
export type TrainRunOptions = z.infer<typeof trainRunOptionsSchema>;

/** Flags `deploy --train` refuses: the single-release deploy's, which a train does not use. */
export const SINGLE_RELEASE_ONLY = ["edgeConfig", "programRevision", "approveBefore"] as const;

/** Runs an action with ports built from the common options (main.ts's `withPorts`). */
export type WithPorts = (
  fn: (ports: BuiltPorts, o: CommonOptions, flags: Record<string, unknown>) => Promise<ExitCode>,
  check?: (flags: Record<string, unknown>) => string[],
) => (flags: Record<string, unknown>) => Promise<void>;

const trainCommands = () => import("./train-commands.js");

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

/** Registers `submit` and `run`; `deploy --train` and `status --train` are main.ts's. */
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
}
