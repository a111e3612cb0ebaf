/**
 * A human's decisions about a train release (README.md and docs/rollout.md, "Release
 * trains"): `unhold` releases a release held because one ahead of it failed or was aborted,
 * and `abort` (operator-commands.ts hands a train release here) stops a release, held or in
 * flight, and reverts the cohorts it reached. Each is one ledger event naming who decided and
 * why (`train-unheld`, `abort-requested`), appended only on the ledger as it was checked —
 * a decision never lands on a train that moved on meanwhile without being checked again.
 *
 *   cohort-rollout unhold --environment prod --release r3 --reason "r3 carries the fix for r2" [--by alice]
 *   cohort-rollout abort  --environment prod --release r3 --reason "r3 contains r2's bug"     [--by alice]
 *
 * Exit codes: 0 recorded (`abort`: and the controller that runs the train reverts it, or it
 * was already aborting); 1 `abort` drove the reverts itself (nobody ran the train) and the
 * release ended aborted; 2 refused, nothing recorded (unknown, finished, not held, not a train
 * release, a flag missing); 3 a revert failed or the command was interrupted.
 */
import { EXIT, type ExitCode } from "../../core/exit-codes.js";
import type { RolloutEvent } from "../../core/events.js";
import type { TrainOutcome, TrainRelease, TrainState } from "../../core/train/state.js";
import { formatTrainStatus, releaseState, trainStatus } from "../../core/train/status.js";
import type { TrainPorts } from "../../executor/train-controller.js";
import { type BuiltPorts, type CliIo, CliError, usageError } from "./context.js";
import { type CommonOptions, cliCommand } from "./options.js";
import { type TrainDecisionFlags, decisionCommands as decisionCommandsFor } from "./train-flags.js";
import { controllerFor, interruptible, isConflict, trainPorts } from "./train-commands.js";

/** Who decides and why (`--by` defaults like `approve`'s: $COHORT_ROLLOUT_USER, the login name). */
type TrainDecision = TrainDecisionFlags;

type Verb = "unhold" | "abort" | "resume";

/**
 * Why a release the train does not have live cannot be decided about: finished, a
 * single-release deploy, or unknown. Reads the ledger (only on this refusal path).
 * @param tp the train's ports
 * @param s the train as read
 * @param o the common options (for hints)
 * @param id the --release given
 * @param verb the command refused
 */
async function notLive(
  tp: TrainPorts,
  s: TrainState,
  o: CommonOptions,
  id: string,
  verb: Verb,
): Promise<CliError> {
  let outcome: string | undefined;
  let single = false;
  for (const r of await tp.ledger.read()) {
    const e = r.event as RolloutEvent;
    if (e.release !== id) continue;
    if (e.type === "train-finished") outcome = e.outcome;
    if (e.type === "planned") single = true;
  }
  const status = cliCommand(o, "status", "--train");
  if (outcome !== undefined)
    return usageError([
      `--release: ${id} has already finished the train (${outcome}); nothing to ${verb}; hint: \`${status}\` lists the releases in flight`,
    ]);
  if (single)
    return usageError([
      `--release: ${id} is a single-release deploy, not a train release; ${verb === "abort" ? "" : "only a train release is held; "}hint: \`${cliCommand(o, "status", `--release ${id}`)}\``,
    ]);
  const live = s.order.join(", ");
  return usageError([
    `--release: no release "${id}" in ${o.environment}'s train${live ? ` (in flight: ${live})` : " (no release in flight)"}; hint: \`${status}\``,
  ]);
}

/**
 * Appends the decision `decide` makes on the train as it is when appended: at the ledger's
 * next sequence number, and on a conflict (another writer got there first) read and checked
 * again. Returns the release as decided on and whether an event was appended.
 * @param tp the train's ports
 * @param o the common options
 * @param d the decision's flags
 * @param verb which decision
 * @param decide the event the decision means on a live release (undefined: it holds already); throws to refuse
 */
async function decideOnTrain(
  tp: TrainPorts,
  o: CommonOptions,
  d: TrainDecision,
  verb: Verb,
  decide: (r: TrainRelease) => RolloutEvent | undefined,
): Promise<{ release: TrainRelease; recorded: boolean }> {
  const reader = controllerFor(tp, { stopWhenIdle: true });
  for (let attempt = 0; attempt < 20; attempt++) {
    const s = await reader.refresh();
    const r = s.releases.get(d.release);
    if (!r) throw await notLive(tp, s, o, d.release, verb);
    const event = decide(r);
    if (!event) return { release: r, recorded: false };
    try {
      await tp.ledger.append(event, s.lastSeq + 1);
      return { release: r, recorded: true };
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
  }
  throw new CliError(
    `could not record the ${verb} of ${d.release}: the ledger keeps moving; try again`,
    EXIT.human,
  );
}

function print(io: CliIo, o: CommonOptions, value: Record<string, unknown>, text: string): void {
  if (o.json) io.stdout(JSON.stringify(value) + "\n");
  else io.stderr(text + "\n");
}

/**
 * `unhold`: releases a held release; the controller lets it on at its next step.
 * Exit 0 recorded, 2 refused (unknown, finished, not held, not a train release).
 * @param ports the CLI's ports
 * @param o the common options
 * @param d the release, who and why
 * @param io output
 */
export async function unholdCommand(
  ports: BuiltPorts,
  o: CommonOptions,
  d: TrainDecision,
  io: CliIo,
): Promise<ExitCode> {
  const tp = await trainPorts(ports, o, io);
  const { release: r } = await decideOnTrain(tp, o, d, "unhold", (r) => {
    if (!r.held) {
      throw usageError([
        `--release: ${r.id} is not held (it is ${releaseState(r)}); only a release held for a failed or aborted one is released; hint: \`${cliCommand(o, "status", "--train")}\` shows which are`,
      ]);
    }
    if (r.abortRequested !== undefined)
      throw usageError([
        `--release: ${r.id} is being aborted (by ${r.abortRequested}); it cannot be released; hint: submit it again under a new id`,
      ]);
    return { type: "train-unheld", release: r.id, by: d.by, reason: d.reason };
  });
  const cause = r.held?.cause ?? "?";
  const run = cliCommand(o, "run");
  print(
    io,
    o,
    { kind: "unheld", release: r.id, cause, by: d.by, reason: d.reason, next: run },
    `${r.id} released from its hold (${cause}) by ${d.by}: ${d.reason}\n` +
      `  the train's controller lets it on at its next step; if none runs: ${run}`,
  );
  return EXIT.done;
}

/** Has the aborted release finished, or stopped on a revert a human must fix? */
function abortSettled(id: string) {
  return (s: TrainState, finished: ReadonlyMap<string, string>): boolean => {
    if (finished.has(id)) return true;
    const r = s.releases.get(id);
    return !r || [...r.targets.values()].some((t) => t.phase === "revert-failed");
  };
}

/**
 * `abort` of a train release: records who aborts it and why; the train's controller cancels
 * its running updates and reverts every cohort it reached, most critical first, and it ends
 * `aborted`. When no controller runs the train, this command runs it until the release has
 * finished. Exit 0 recorded (a controller runs it), 1 reverted here, 2 refused, 3 a revert
 * failed or interrupted.
 * @param ports the CLI's ports
 * @param o the common options
 * @param d the release, who and why
 * @param io output
 */
export async function trainAbortCommand(
  ports: BuiltPorts,
  o: CommonOptions,
  d: TrainDecision,
  io: CliIo,
): Promise<ExitCode> {
  const tp = await trainPorts(ports, o, io);
  const { release: r, recorded } = await decideOnTrain(tp, o, d, "abort", (r) =>
    r.abortRequested !== undefined
      ? undefined
      : { type: "abort-requested", release: r.id, by: d.by, reason: d.reason },
  );
  const by = recorded ? d.by : (r.abortRequested ?? d.by);
  const reason = recorded ? d.reason : (r.abort?.reason ?? d.reason);
  io.stderr(
    recorded
      ? `abort of ${r.id} recorded (by ${by}: ${reason})\n`
      : `${r.id} is already being aborted (by ${by})\n`,
  );
  const settled = await settleHere(tp, ports, o, r.id, io);
  if (!settled.ran) {
    // Another controller runs the train: it sees the abort at its next step.
    print(
      io,
      o,
      { kind: "abort-requested", release: r.id, by, reason, recorded },
      `the train's controller reverts ${r.id} at its next step (${settled.reason}); follow it with: ${cliCommand(o, "status", "--train")}`,
    );
    return EXIT.done;
  }
  const { outcome } = settled;
  const code = outcome === "aborted" || outcome === "failed" ? EXIT.reverted : EXIT.human;
  print(
    io,
    o,
    {
      kind: "aborted",
      release: r.id,
      by,
      reason,
      outcome: outcome ?? settled.result,
      exitCode: code,
    },
    settled.text,
  );
  return code;
}

/**
 * `resume --release R` of a train release whose revert failed: records who retries the revert
 * and why (`resumed`, as a single release's resume), after they fixed the stack; every failed
 * revert of the release is retried, refreshing the stack first. When no controller runs the
 * train, this command runs it until the release has finished or a revert fails again. Exit 0
 * recorded (a controller runs it), 1 reverted here and finished, 2 refused (nothing failed to
 * revert, unknown, finished), 3 a revert failed again or interrupted.
 * @param ports the CLI's ports
 * @param o the common options
 * @param d the release, who and why
 * @param io output
 */
export async function trainResumeCommand(
  ports: BuiltPorts,
  o: CommonOptions,
  d: TrainDecision,
  io: CliIo,
): Promise<ExitCode> {
  const tp = await trainPorts(ports, o, io);
  const { release: r } = await decideOnTrain(tp, o, d, "resume", (r) => {
    const failed = [...r.targets.values()].filter((t) => t.phase === "revert-failed");
    if (failed.length === 0)
      throw usageError([
        `--release: no revert of ${r.id} failed (it is ${releaseState(r)}); resume retries a failed revert of a train release; hint: \`${cliCommand(o, "status", "--train")}\``,
      ]);
    return { type: "resumed", release: r.id, by: d.by, reason: d.reason };
  });
  io.stderr(`retry of ${r.id}'s failed revert(s) recorded (by ${d.by}: ${d.reason})\n`);
  const settled = await settleHere(tp, ports, o, r.id, io);
  if (!settled.ran) {
    print(
      io,
      o,
      { kind: "resumed", release: r.id, by: d.by, reason: d.reason },
      `the train's controller retries the revert at its next step (${settled.reason}); follow it with: ${cliCommand(o, "status", "--train")}`,
    );
    return EXIT.done;
  }
  const { outcome } = settled;
  const code = outcome !== undefined ? EXIT.reverted : EXIT.human;
  print(
    io,
    o,
    {
      kind: "resumed",
      release: r.id,
      by: d.by,
      reason: d.reason,
      outcome: outcome ?? settled.result,
      exitCode: code,
    },
    settled.text,
  );
  return code;
}

/** What driving a decided release came to: another controller has the train, or where it stands. */
type Settled =
  | { ran: false; reason: string }
  | { ran: true; outcome: TrainOutcome | undefined; result: string; text: string };

/**
 * Runs the train here, Ctrl-C-able, until release `id` has finished or a revert of it failed
 * (abort and resume both wait for that); when another controller holds the lease it returns at
 * once, and that controller acts on the decision at its next step.
 * @param tp the train's ports
 * @param ports the CLI's ports (the clock, for the status text)
 * @param o the common options (for the commands the status names)
 * @param id the release decided about
 * @param io output
 */
async function settleHere(
  tp: TrainPorts,
  ports: BuiltPorts,
  o: CommonOptions,
  id: string,
  io: CliIo,
): Promise<Settled> {
  const stop = interruptible(io);
  try {
    const controller = controllerFor(
      tp,
      { stopWhenIdle: true, until: abortSettled(id) },
      stop.signal,
    );
    const result = await controller.run();
    if (result.outcome === "lease-held") return { ran: false, reason: result.reason };
    const outcome = controller.finished.get(id);
    const status = () =>
      formatTrainStatus(
        trainStatus(controller.state, ports.clock.now(), decisionCommandsFor(o)),
      ).trim();
    const text =
      outcome !== undefined
        ? `${id} ${outcome}: every cohort it reached is back on its last good update`
        : controller.state.releases.has(id)
          ? `${id} is not finished: ${status()}`
          : `${id}: ${result.reason}`;
    return { ran: true, outcome, result: result.outcome, text };
  } finally {
    stop.dispose();
  }
}
