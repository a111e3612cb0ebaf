/**
 * Drives one release with the runner under a held lease: progress to stderr
 * (redrawn in place on a terminal) or NDJSON to stdout with --json, SIGINT/
 * SIGTERM stop between steps, and the outcome mapped to an exit code.
 */
import { EXIT, type ExitCode, exitCodeFor } from "../../core/exit-codes.js";
import type { PlannedTarget } from "../../core/events.js";
import type { Intent } from "../../core/intents.js";
import { type ProgressListener, type ProgressUpdate, renderLine } from "../../core/progress.js";
import { NOTIFY_GRACE_MS, startNotifier } from "../../notify/start.js";
import { Runner, type RunResult } from "../../executor/runner.js";
import { type RolloutState, statusOf } from "../../core/state.js";
import { LedgerBusyError, LedgerWriter } from "../../executor/writer.js";
import { type BuiltPorts, type CliIo, CliError, type HeldLease } from "./context.js";
import { type CommonOptions, cliCommand } from "./options.js";

/** The exact command that recovers a cohort whose revert failed, with this run's options. */
export function recoverCommandFor(o: CommonOptions) {
  return (target: PlannedTarget, release: string): string =>
    cliCommand(o, "revert", `--cohort ${target.cohort}`, `--release ${release}`);
}

export function progressListener(io: CliIo, json: boolean): ProgressListener {
  if (json) return (u) => io.stdout(JSON.stringify(u) + "\n");
  let redrawing = false;
  const lastBakeLine = new Map<string, number>();
  return (u: ProgressUpdate) => {
    if (u.kind === "bake") {
      if (io.isTTY) {
        // One status line per poll, redrawn in place: wave, cohort, time left, alarm states.
        io.stderr(`\r\x1b[2K${renderLine(u).trimStart()}`);
        redrawing = true;
        return;
      }
      // In logs, a bake line per cohort at most once a minute.
      const key = `${u.release}/${u.cohort}`;
      const last = lastBakeLine.get(key);
      const now = Date.now();
      if (last !== undefined && now - last < 60_000) return;
      lastBakeLine.set(key, now);
    }
    if (redrawing) {
      io.stderr("\n");
      redrawing = false;
    }
    io.stderr(renderLine(u) + "\n");
  };
}

/**
 * Submits an operator's intent through the executor's writer (executor/writer.ts): a command
 * never appends to the ledger itself. Returns the state the intent was decided on.
 * @param ports the ledger the intent is recorded on
 * @param intentOn the intent on a given state; throws a CliError to refuse it
 */
export async function submitIntent<I extends Intent>(
  ports: BuiltPorts,
  intentOn: (state: RolloutState) => I,
): Promise<{ state: RolloutState; intent: I; recorded: boolean }> {
  try {
    const done = await new LedgerWriter(ports.ledger).submitIntent(intentOn);
    return { state: done.state, intent: done.intent, recorded: done.record !== undefined };
  } catch (err) {
    if (err instanceof LedgerBusyError) throw new CliError(err.message, EXIT.human);
    throw err;
  }
}

export interface DriveResult {
  result: RunResult;
  exitCode: ExitCode;
}

export async function drive(
  ports: BuiltPorts,
  lease: HeldLease,
  releaseId: string,
  o: CommonOptions,
  io: CliIo,
): Promise<DriveResult> {
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(3); // a second Ctrl-C: leave at once
    io.stderr(`\n${sig}: stopping after the current step (Ctrl-C again to leave now)\n`);
    controller.abort(new Error(`interrupted by ${sig}`));
  };
  const onLost = () => controller.abort(lease.lost.reason);
  lease.lost.addEventListener("abort", onLost, { once: true });
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // Notifications go beside the run: the runner never waits for a sink.
  const notifier = startNotifier(ports, o, io, releaseId);
  const show = progressListener(io, o.json);
  try {
    const runner = new Runner(
      {
        driver: ports.driver,
        gate: ports.gate,
        ...(ports.deployments ? { deployments: ports.deployments } : {}),
        ledger: ports.ledger,
        clock: ports.clock,
        progress: (u) => {
          show(u);
          if (u.kind === "event") notifier.poke();
        },
      },
      { signal: controller.signal, recoverCommand: recoverCommandFor(o) },
    );
    const result = await runner.run(releaseId);
    return { result, exitCode: exitCodeFor(result.outcome) };
  } finally {
    await notifier.close(NOTIFY_GRACE_MS);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    lease.lost.removeEventListener("abort", onLost);
  }
}

/** Prints a run's outcome: one JSON line with --json, else a sentence and what to do next. */
export function reportRun(io: CliIo, o: CommonOptions, d: DriveResult): void {
  const { result } = d;
  const cohorts = result.state
    ? [...result.state.targets.values()].map((t) => ({
        cohort: t.target.cohort,
        stack: t.target.stack,
        wave: t.wave,
        phase: t.phase,
        ...(t.revertFailure ? { revertFailure: t.revertFailure } : {}),
      }))
    : [];
  if (o.json) {
    io.stdout(
      JSON.stringify({
        kind: "result",
        release: result.release,
        outcome: result.outcome,
        status: result.state ? statusOf(result.state) : result.outcome,
        exitCode: d.exitCode,
        reason: result.reason,
        cohorts,
      }) + "\n",
    );
    return;
  }
  const next: Record<string, string> = {
    completed: "",
    failed: "every cohort it reached is back on its last good update",
    aborted: "every cohort it reached is back on its last good update",
    paused: `resume with: ${cliCommand(o, "resume")}`,
    blocked: `fix the cause, then: ${cliCommand(o, "resume")}`,
    stuck: "a revert failed: a human must recover the cohort named above",
    "awaiting-approval": `approve with: ${cliCommand(o, "approve", `--release ${result.release}`, `--wave ${(result.state?.awaitingApproval?.wave ?? 0) + 1}`, '--reason "…"')}, then: ${cliCommand(o, "resume", `--release ${result.release}`)}`,
    interrupted: `continue with: ${cliCommand(o, "resume")}`,
  };
  io.stderr(
    `release ${result.release}: ${result.outcome} — ${result.reason}${next[result.outcome] ? `\n  ${next[result.outcome]}` : ""}\n`,
  );
}
