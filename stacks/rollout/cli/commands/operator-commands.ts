/**
 * `pause`, `abort` and `revert --cohort X`: a human steering a release.
 * Each submits an intent (core/intents.ts) through the executor's writer, so
 * it works from another terminal while a deploy runs (it sees the intent
 * before its next step); when nobody holds the lease, the command drives the
 * release itself, and the runner carries out what the intent asked (the
 * reverts of an abort, the revert of one cohort of a finished release). A
 * manual revert returns a cohort's stack to the update it had before the
 * release that last reached it.
 */
import { EXIT, type ExitCode } from "../../core/exit-codes.js";
import { readState } from "../../executor/runner.js";
import {
  type ReleaseState,
  type RolloutState,
  activeReleases,
  statusOf,
} from "../../core/state.js";
import { type BuiltPorts, type CliIo, CliError, leaseFor, usageError } from "./context.js";
import { drive, reportRun, submitIntent } from "./drive.js";
import type { CommonOptions } from "./options.js";
import { defaultApprover } from "./approval-flags.js";
import { cliCommand } from "./options.js";
import { pickRelease } from "./release-commands.js";
import { liveInTrain, trainAbort } from "./train-cli.js";
import { trainDecisionProblems } from "./train-flags.js";

function print(io: CliIo, o: CommonOptions, value: Record<string, unknown>, text: string): void {
  if (o.json) io.stdout(JSON.stringify(value) + "\n");
  else io.stderr(text + "\n");
}

/**
 * Submits a pause or an abort of the release named, or of the one in flight; returns its id.
 * @param ports the ledger
 * @param o the environment the release is looked up in
 * @param releaseId --release, when given
 * @param kind which intent
 * @param who --by and --reason of an abort, when given
 */
async function steer(
  ports: BuiltPorts,
  o: CommonOptions,
  releaseId: string | undefined,
  kind: "pause" | "abort",
  who: AbortFlags = {},
): Promise<string> {
  const { intent } = await submitIntent(ports, (s) => {
    const r = pickRelease(s.releases, activeReleases(s), releaseId, o.environment);
    if (r.outcome) throw new CliError(`release ${r.id} already ${r.outcome}`, EXIT.usage);
    const by = who.by ?? `${kind}@${process.pid}`;
    return kind === "abort"
      ? { kind, release: r.id, by, ...(who.reason !== undefined ? { reason: who.reason } : {}) }
      : { kind, release: r.id, by };
  });
  return intent.release;
}

export async function pauseCommand(
  ports: BuiltPorts,
  o: CommonOptions,
  releaseId: string | undefined,
  io: CliIo,
): Promise<ExitCode> {
  const id = await steer(ports, o, releaseId, "pause");
  print(
    io,
    o,
    { kind: "paused", release: id },
    `release ${id} paused: the running deploy stops after its current step (reverts are never held back)`,
  );
  return EXIT.done;
}

/** Who aborts and why (`--by`, `--reason`): recorded on `abort-requested`. */
export interface AbortFlags {
  by?: string;
  reason?: string;
}

/**
 * `abort`: a single release (planned by `deploy`) through its intent, or a train release,
 * which train-decisions.ts decides about (it needs --release and --reason).
 * @param ports the ledger and stacks
 * @param o the common options
 * @param releaseId --release, when given
 * @param io output
 * @param who --by and --reason, when given
 */
export async function abortCommand(
  ports: BuiltPorts,
  o: CommonOptions,
  releaseId: string | undefined,
  io: CliIo,
  who: AbortFlags = {},
): Promise<ExitCode> {
  // A live train release is found from the train's snapshot and tail, without folding the
  // whole ledger (a year of trains); anything else is looked up among the single releases.
  const inTrain = releaseId !== undefined && (await liveInTrain(ports, o, io, releaseId));
  const before = inTrain ? undefined : (await readState(ports.ledger)).state;
  if (releaseId !== undefined && (inTrain || !before?.releases.has(releaseId))) {
    // Not a single release: a train release, or unknown (the train's refusal names both).
    const problems = trainDecisionProblems({ release: releaseId, ...who }, "abort");
    if (problems.length > 0) throw usageError(problems);
    return trainAbort(
      ports,
      o,
      { release: releaseId, by: who.by ?? defaultApprover(io.env), reason: who.reason ?? "" },
      io,
    );
  }
  if (releaseId === undefined && before && activeReleases(before).length === 0)
    throw new CliError(
      `no release is in flight on ${o.environment}; a train release is named: --release r43 --reason "…" (\`${cliCommand(o, "status", "--train")}\` lists them)`,
      EXIT.usage,
    );
  const id = await steer(ports, o, releaseId, "abort", who);
  let lease;
  try {
    lease = await leaseFor(ports, o, "abort");
  } catch (err) {
    if (!(err instanceof CliError) || err.exitCode !== EXIT.human) throw err;
    // Someone is driving the release: it sees the abort before its next step and reverts.
    print(
      io,
      o,
      { kind: "abort-requested", release: id },
      `abort of ${id} recorded; the run driving it reverts every cohort it reached (${err.message})`,
    );
    return EXIT.done;
  }
  // Nobody is driving the release: carry out the reverts here.
  try {
    const d = await drive(ports, lease, id, o, io);
    reportRun(io, o, d);
    return d.exitCode;
  } finally {
    await lease.release();
  }
}

/** The release whose update a manual revert of `cohort` undoes. */
function releaseOnCohort(s: RolloutState, cohort: string, named: string | undefined): ReleaseState {
  if (named !== undefined) {
    const r = s.releases.get(named);
    if (!r) throw usageError([`--release: no release "${named}" in the ledger`]);
    if (!r.targets.has(cohort))
      throw usageError([`--cohort: release ${named} does not include cohort "${cohort}"`]);
    return r;
  }
  // The release the cohort is on; else an unfinished release that reached it (a failed revert).
  const on = s.cohorts.get(cohort)?.release;
  if (on !== undefined) {
    const r = s.releases.get(on);
    if (r) return r;
  }
  const reached = [...s.order]
    .reverse()
    .map((id) => s.releases.get(id))
    .find((r) => r && !r.outcome && r.targets.get(cohort)?.received);
  if (reached) return reached;
  const known = new Set([...s.releases.values()].flatMap((r) => [...r.targets.keys()]));
  if (known.size > 0 && !known.has(cohort)) {
    // A typo, not a cohort with nothing to revert.
    throw usageError([
      `--cohort: no cohort "${cohort}" in the ledger's releases; cohorts: ${[...known].join(", ")}`,
    ]);
  }
  throw new CliError(
    `cohort ${cohort} is not on a release applied by cohort-rollout (nothing in the ledger to revert)`,
    EXIT.usage,
  );
}

export async function revertCommand(
  ports: BuiltPorts,
  o: CommonOptions,
  cohort: string,
  releaseId: string | undefined,
  io: CliIo,
): Promise<ExitCode> {
  // What the ledger cannot have is refused before the lease is taken: taking it creates the
  // ledger's directory, and a refused command leaves nothing behind. Checked again under the lease.
  releaseOnCohort((await readState(ports.ledger)).state, cohort, releaseId);
  const lease = await leaseFor(ports, o, "revert");
  try {
    const { state } = await submitIntent(ports, (s) => {
      const r = releaseOnCohort(s, cohort, releaseId);
      const t = r.targets.get(cohort);
      if (!t) throw usageError([`--cohort: release ${r.id} has no cohort "${cohort}"`]);
      if (r.outcome && !t.previous)
        throw new CliError(
          `no update of ${t.target.stack} before release ${r.id} is recorded; revert it by hand with pulumi`,
          EXIT.human,
        );
      return { kind: "revert-cohort", release: r.id, cohort };
    });
    const r = releaseOnCohort(state, cohort, releaseId);
    // In flight (or stuck on a failed revert), the intent aborts the release and the runner
    // returns every cohort it reached, most critical first, this one included. Finished, the
    // runner returns this one cohort (machine.ts `decide`).
    const d = await drive(ports, lease, r.id, o, io);
    if (!r.outcome || d.result.outcome === "interrupted") {
      reportRun(io, o, d);
      return d.exitCode;
    }
    const after = d.result.state?.targets.get(cohort);
    const stack = after?.target.stack ?? cohort;
    if (after?.phase === "reverted") {
      print(
        io,
        o,
        { kind: "reverted", release: r.id, cohort, stack },
        `cohort ${cohort} (stack ${stack}) is back on its update before ${r.id} (${statusOf(r)})`,
      );
      return EXIT.done;
    }
    const failure = after?.revertFailure;
    throw new CliError(
      `revert of ${cohort} (stack ${stack}) failed: ${failure?.reason ?? `it is ${after?.phase ?? "unknown"}`}; ` +
        `its last good config: ${JSON.stringify(after?.previous?.config ?? {})}; retry with: ${failure?.recoverCommand ?? "the same command"}`,
      EXIT.human,
    );
  } finally {
    await lease.release();
  }
}
