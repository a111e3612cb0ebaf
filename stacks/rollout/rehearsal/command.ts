/**
 * `cohort-rollout rehearse`: rehearse the environment's plan against a
 * simulated fleet and a simulated CloudWatch, with one fault, under four
 * strategies; write the HTML report and print a summary (or `--json`). With
 * `--train N`, a train of N releases (one bad) through the real train
 * controller instead (train/rehearse-train.ts).
 *
 * Exit codes (EXIT in ../exit-codes.ts): 0 the plan delivered a good release
 * or contained a bad one; 1 a bad release escaped (or a good one did not
 * arrive); 2 bad options, profile or environment, or the plan was refused;
 * 3 the rehearsed rollout stopped for a human (blocked, stuck).
 */
import type { Command } from "commander";
import { flagDefault } from "../cli/commands/option-defaults.js";
import { FAULT_CHOICES, rehearseOptionsSchema } from "./options.js";
import type { RehearseIo } from "./run.js";

export type { RehearseIo } from "./run.js";

export function registerRehearseCommand(program: Command, io?: RehearseIo): void {
  program
    .command("rehearse")
    .description(
      "rehearse the environment's rollout plan against a simulated fleet and CloudWatch, with a fault, under four strategies (no cloud account needed)",
    )
    .option(
      "--environment <name>",
      "environment to rehearse (its edge or single stack has <project>:environment: <name>)",
      flagDefault(rehearseOptionsSchema, "environment"),
    )
    .option(
      "--program <dir>",
      "folder of the Pulumi project to rehearse (its Pulumi.yaml; its stack config files say which stacks form the environment); default: the current folder",
    )
    // Validated by the options schema, not commander's choices, so that a bad --fault is
    // reported with every other bad option in one error (exit 2).
    .option(
      "--fault <kind>",
      `fault of the rehearsed release: ${FAULT_CHOICES.join(" | ")}`,
      flagDefault(rehearseOptionsSchema, "fault"),
    )
    .option(
      "--seed <n>",
      "random seed of the simulated traffic",
      flagDefault(rehearseOptionsSchema, "seed"),
    )
    .option(
      "--out <path>",
      "where to write the HTML report",
      flagDefault(rehearseOptionsSchema, "out"),
    )
    .option("--json", "print the rehearsal as JSON instead of the terminal summary")
    .option(
      "--verbose",
      "also print the plan runner's progress lines (as deploy prints them) on stderr",
    )
    .option(
      "--profile <file>",
      "simulation profile YAML (default: rehearsal/profiles/<environment>.yaml)",
    )
    .option(
      "--operator-response <minutes>",
      "time from a page to an operator's fleet-wide revert",
      flagDefault(rehearseOptionsSchema, "operatorResponse"),
    )
    .option(
      "--activate-after <minutes>",
      "for --fault latent: minutes until the fault shows (default 60)",
    )
    .option(
      "--bake-from <moment>",
      "when bakes start: serving (the new version serves; what deploy does) or update (when the update returned: the behaviour before deployments were watched)",
      flagDefault(rehearseOptionsSchema, "bakeFrom"),
    )
    .option(
      "--train <releases>",
      "rehearse a release train of this many releases (2-50) through the real train controller instead of one release under four strategies",
    )
    .option(
      "--bad <k>",
      "with --train: which release (1-based) carries the fault (default: the middle one)",
    )
    .option(
      "--observation <minutes>",
      "with --train: each cohort's latent-activation guard, how long its gate keeps watching after the bake (default 0)",
    )
    .option(
      "--train-order <order>",
      "with --train: queue (every release through every cohort; default) or supersede",
    )
    .action(async (flags: Record<string, unknown>) => {
      // The rehearsal (component, Pulumi runtime, simulation) loads only when it runs,
      // so `cohort-rollout --help` and the other commands never pay for it.
      const { processIo, runRehearse } = await import("./run.js");
      const out = io ?? processIo;
      out.exit(await runRehearse(flags, out));
    });
}
