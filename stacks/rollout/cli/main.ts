/**
 * `cohort-rollout`: applies a release to an environment's cohort stacks wave
 * by wave, least critical first, gated on each cohort's CloudWatch alarms,
 * reverting automatically when a gate fails. See README.md, "Rolling out a release".
 *
 * Exit codes: 0 done, 1 reverted (failed or aborted, every cohort back on
 * its last good update), 2 usage/config error or plan refused, 3 needs a
 * human (paused, blocked, awaiting approval, lease held, revert failed, interrupted).
 */
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";
import { Command, CommanderError } from "commander";
import { quietSdkNodeVersionNotice } from "../adapters/aws-client-config.js";
import { EXIT, type ExitCode } from "../core/exit-codes.js";
import {
  type BuiltPorts,
  type CliIo,
  CliError,
  type PortsFactory,
  buildPorts,
  processIo,
  usageError,
} from "./commands/context.js";
import { defaultPortsFactory } from "./commands/default-ports.js";
import {
  type ApprovalRequest,
  approvalFlagProblems,
  defaultApprover,
} from "./commands/approval-flags.js";
import {
  type CommonOptions,
  type Parsed,
  addCommonOptions,
  addReleaseOptions,
  addRunOptions,
  commonOptionsSchema,
  parseAll,
  parseOptions,
  releaseOptionsSchema,
  runOptionsSchema,
} from "./commands/options.js";
import { registerTrainCommands, trainDeploy, trainStatus } from "./commands/train-cli.js";

/**
 * The commands' modules (the runner, the machine, the plan), loaded by the
 * command that runs, so `--help` and usage errors never pay for them.
 */
async function commands() {
  const [release, operator, read, approval] = await Promise.all([
    import("./commands/release-commands.js"),
    import("./commands/operator-commands.js"),
    import("./commands/read-commands.js"),
    import("./commands/approval-commands.js"),
  ]);
  return { ...release, ...operator, ...read, ...approval };
}

/** The one format of every error the CLI reports, whatever its source: `cohort-rollout: error: ...`. */
export function errorLine(message: string): string {
  return `cohort-rollout: error: ${message.replace(/\n*$/, "")}\n`;
}

/** File-system errors that mean the ledger's location is unusable: configuration, not a fault. */
const UNUSABLE_PATH = new Set(["ENOTDIR", "EISDIR", "EACCES", "EPERM", "EROFS", "ENAMETOOLONG"]);

/**
 * A file ledger that cannot be read or written where the options put it is a configuration
 * error (exit 2) naming the flag that put it there, not a raw errno with exit 3.
 */
function ledgerPathError(err: unknown, location: string, o: CommonOptions): CliError | undefined {
  const e = err as { code?: unknown; path?: unknown; syscall?: unknown };
  if (o.ledger !== "file" || typeof e.code !== "string" || !UNUSABLE_PATH.has(e.code)) return;
  if (typeof e.path !== "string" || !e.path.startsWith(dirname(location))) return;
  const flag = o.ledgerPath !== undefined ? "--ledger-path" : "--project-dir";
  return usageError([
    `${flag}: the ledger ${location} cannot be used (${e.code} on ${e.path}); ` +
      `hint: a file in a directory you can write, e.g. --ledger-path .rollout/${o.environment}.ledger.jsonl`,
  ]);
}

export interface CliDeps {
  io?: CliIo;
  ports?: PortsFactory;
}

type Flags = Record<string, unknown>;

function unwrap<T>(p: Parsed<T>): T {
  if (!p.ok) throw usageError(p.problems);
  return p.value;
}

function optionalString(flags: Flags, key: string): string | undefined {
  const v = flags[key];
  return typeof v === "string" ? v : undefined;
}

export function buildProgram(deps: Required<CliDeps>, setExit: (code: ExitCode) => void): Command {
  const { io } = deps;
  const program = new Command("cohort-rollout")
    .description(
      "health-mediated, cohort-ordered rollouts: a release goes wave by wave, least critical cohort first, each wave baked while its alarms are watched, reverted automatically when one fires",
    )
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
      // Commander's own errors ("error: unknown option ...") in the CLI's one error format.
      outputError: (s, write) => write(errorLine(s.replace(/^error: /, ""))),
    })
    .showHelpAfterError("(see cohort-rollout <command> --help)")
    .addHelpText(
      "after",
      "\nExit codes: 0 done · 1 reverted · 2 usage/config error (plan refused) · 3 needs a human",
    );

  /**
   * Runs an action with ports built from its common options; maps failures to exit codes.
   * `check` names the command's own bad flags: they are reported with the common options'
   * problems in one message, before any port is built.
   */
  const withPorts =
    (
      fn: (ports: BuiltPorts, o: CommonOptions, flags: Flags) => Promise<ExitCode>,
      check: (flags: Flags) => string[] = () => [],
    ) =>
    async (flags: Flags): Promise<void> => {
      const common = parseOptions(commonOptionsSchema, flags);
      const own = check(flags);
      if (!common.ok || own.length > 0)
        throw usageError([...(common.ok ? [] : common.problems), ...own]);
      const o = common.value;
      const ports = await buildPorts(deps.ports, o, io);
      try {
        setExit(await fn(ports, o, flags));
      } catch (err) {
        throw ledgerPathError(err, ports.ledgerLocation, o) ?? err;
      } finally {
        ports.close();
      }
    };

  const release = (flags: Flags) => optionalString(flags, "release");

  addRunOptions(
    addReleaseOptions(
      addCommonOptions(
        program
          .command("plan")
          .description("show the waves a release would take; refuse an unsafe plan"),
      ),
    ),
  ).action(async (flags: Flags) => {
    // Every problem of every option group in one message, as for deploy.
    const rest = parseAll([runOptionsSchema, flags], [releaseOptionsSchema, flags]);
    await withPorts(
      async (ports, o) => {
        const [run, rel] = unwrap(rest);
        return (await commands()).planCommand(ports, o, run, rel, io);
      },
      () => (rest.ok ? [] : rest.problems),
    )(flags);
  });

  addRunOptions(
    addReleaseOptions(
      addCommonOptions(
        program
          .command("deploy")
          .description("plan, record and drive a release to completion (re-running it resumes)")
          .option("--train <file>", "submit the release to the environment's train and follow it"),
      ),
    ),
  ).action(async (flags: Flags) => {
    if (flags.train !== undefined) return trainDeploy(withPorts, io, flags);
    // Every problem of every option group in one message.
    const common = parseOptions(commonOptionsSchema, flags);
    const rest = parseAll([runOptionsSchema, flags], [releaseOptionsSchema, flags]);
    if (!common.ok || !rest.ok) {
      throw usageError([...(common.ok ? [] : common.problems), ...(rest.ok ? [] : rest.problems)]);
    }
    const [run, rel] = rest.value;
    await withPorts(async (ports, o) => (await commands()).deployCommand(ports, o, run, rel, io))(
      flags,
    );
  });

  addCommonOptions(
    program
      .command("resume")
      .description(
        "continue the release in flight from the ledger (after a crash, pause or block); a train release: retry its failed revert once the stack is fixed (named, with --reason)",
      )
      .option(
        "--release <id>",
        "the release (default: the one in flight; required for a train release)",
      )
      .option(
        "--by <name>",
        "who retries a train release's revert (default: $COHORT_ROLLOUT_USER, else the login name)",
      )
      .option("--reason <text>", "why; recorded in the ledger (required for a train release)"),
  ).action(
    withPorts(async (ports, o, flags) =>
      (await commands()).resumeCommand(ports, o, release(flags), io, {
        ...(optionalString(flags, "by") !== undefined ? { by: optionalString(flags, "by") } : {}),
        ...(optionalString(flags, "reason") !== undefined
          ? { reason: optionalString(flags, "reason") }
          : {}),
      }),
    ),
  );

  addCommonOptions(
    program
      .command("status")
      .description("the releases, their cohorts, phases, alarm states and bake time left")
      .option("--release <id>", "only this release")
      .option("--train", "the train: every release in flight and what it waits for"),
  ).action(async (flags: Flags) => {
    if (flags.train === true) return trainStatus(withPorts, io, flags);
    await withPorts(async (ports, o, f) =>
      (await commands()).statusCommand(ports, o, release(f), io),
    )(flags);
  });

  addCommonOptions(
    program
      .command("history")
      .description("the ledger's events")
      .option("--release <id>", "only this release")
      .option("--limit <n>", "only the last n events"),
  ).action(
    withPorts(
      async (ports, o, flags) => {
        const raw = optionalString(flags, "limit");
        return (await commands()).historyCommand(
          ports,
          o,
          release(flags),
          raw === undefined ? undefined : Number(raw),
          io,
        );
      },
      (flags) => {
        const raw = optionalString(flags, "limit");
        const limit = raw === undefined ? undefined : Number(raw);
        return limit !== undefined && !(Number.isInteger(limit) && limit > 0)
          ? [`--limit: "${raw}" is not a whole number > 0; hint: --limit 50`]
          : [];
      },
    ),
  );

  addCommonOptions(
    program
      .command("pause")
      .description("stop the release after its current step (reverts are never held back)")
      .option("--release <id>", "the release (default: the one in flight)"),
  ).action(
    withPorts(async (ports, o, flags) =>
      (await commands()).pauseCommand(ports, o, release(flags), io),
    ),
  );

  addCommonOptions(
    program
      .command("abort")
      .description(
        "stop the release and revert every cohort it reached, most critical first (a train release: named, with --reason)",
      )
      .option(
        "--release <id>",
        "the release (default: the one in flight; required for a train release)",
      )
      .option(
        "--by <name>",
        "who aborts (default: $COHORT_ROLLOUT_USER, else the login name, for a train release)",
      )
      .option("--reason <text>", "why; recorded in the ledger (required for a train release)"),
  ).action(
    withPorts(async (ports, o, flags) =>
      (await commands()).abortCommand(ports, o, release(flags), io, {
        ...(optionalString(flags, "by") !== undefined ? { by: optionalString(flags, "by") } : {}),
        ...(optionalString(flags, "reason") !== undefined
          ? { reason: optionalString(flags, "reason") }
          : {}),
      }),
    ),
  );

  addCommonOptions(
    program
      .command("revert")
      .description(
        "return a cohort's stack to its update before the release that reached it (aborts that release if in flight)",
      )
      .option("--cohort <name>", "the cohort to revert")
      .option("--release <id>", "the release to undo (default: the one the cohort is on)"),
  ).action(
    withPorts(
      async (ports, o, flags) =>
        (await commands()).revertCommand(
          ports,
          o,
          optionalString(flags, "cohort") ?? "",
          release(flags),
          io,
        ),
      (flags) =>
        optionalString(flags, "cohort") === undefined
          ? ["--cohort: required; hint: --cohort pro"]
          : [],
    ),
  );
  const decision = (flags: Flags): ApprovalRequest => ({
    release: optionalString(flags, "release") ?? "",
    wave: Number(flags.wave),
    by: optionalString(flags, "by") ?? defaultApprover(io.env),
    reason: optionalString(flags, "reason") ?? "",
  });
  for (const [name, what, run] of [
    [
      "approve",
      "let a release into a wave that needs approval (records who and why; then resume)",
      "approveCommand",
    ],
    [
      "reject",
      "refuse a release a wave: it ends, and every cohort it reached is reverted",
      "rejectCommand",
    ],
  ] as const) {
    addCommonOptions(
      program
        .command(name)
        .description(what)
        .option("--release <id>", "the release (as `status` shows it)")
        .option("--wave <n>", "the wave, numbered as `status` prints it (wave 1 is the first)")
        .option("--by <name>", "who decides (default: $COHORT_ROLLOUT_USER, else the login name)")
        .option("--reason <text>", "why; recorded in the ledger"),
    ).action(
      withPorts(
        async (ports, o, flags) => (await commands())[run](ports, o, decision(flags), io),
        approvalFlagProblems,
      ),
    );
  }
  registerTrainCommands(program, withPorts, io);
  return program;
}

/** Registers `rehearse` when the rehearsal module is present (it is optional to the core). */
async function registerRehearse(program: Command, io: CliIo, setExit: (c: ExitCode) => void) {
  let mod: typeof import("../rehearsal/command.js") | undefined;
  try {
    mod = await import("../rehearsal/command.js");
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") throw err;
    return;
  }
  mod.registerRehearseCommand(program, {
    out: (t) => io.stdout(t),
    err: (t) => io.stderr(t),
    exit: setExit,
  });
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], deps: CliDeps = {}): Promise<ExitCode> {
  const io = deps.io ?? processIo;
  // Before any AWS client exists: the SDK prints its Node-version notice when the first is built.
  quietSdkNodeVersionNotice();
  let exitCode: ExitCode = EXIT.done;
  const setExit = (code: ExitCode) => {
    exitCode = code;
  };
  const program = buildProgram({ io, ports: deps.ports ?? defaultPortsFactory }, setExit);
  await registerRehearse(program, io, setExit);
  const json = argv.includes("--json");
  try {
    await program.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version are not errors; everything else commander refuses is usage (2).
      if (err.exitCode === 0) return EXIT.done;
      // Commander already printed its message on stderr; a script reading stdout gets it too.
      if (json) {
        const message = err.message.replace(/^error: /, "");
        io.stdout(JSON.stringify({ kind: "error", exitCode: EXIT.usage, message }) + "\n");
      }
      return EXIT.usage;
    }
    let code: ExitCode = err instanceof CliError ? err.exitCode : EXIT.human;
    let message = err instanceof Error ? err.message : String(err);
    if (/ENOENT[^\n]*pulumi/.test(message)) {
      // Not a rollout failure: the machine is not set up. Nothing was recorded or deployed.
      code = EXIT.usage;
      message = `the Pulumi CLI is not on PATH (install it: https://www.pulumi.com/docs/install/, then \`pulumi login\`)`;
    }
    if (json) io.stdout(JSON.stringify({ kind: "error", exitCode: code, message }) + "\n");
    io.stderr(errorLine(message));
    return code;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(errorLine(String(err)));
      process.exitCode = EXIT.human;
    },
  );
}
