/**
 * `pause`, `abort` and `revert --cohort X`: a human steering a release.
 * Pause and abort are ledger appends, so they work from another terminal
 * while a deploy runs (it sees them before its next step); when nobody holds
 * the lease, abort carries out the reverts itself. A manual revert returns a
 * cohort's stack to the update it had before the release that last reached it.
 */
import type { RolloutEvent } from "../../core/events.js";
import { EXIT, type ExitCode } from "../../core/exit-codes.js";
import { LedgerConflictError } from "../../core/ports.js";
import { readState } from "../../executor/runner.js";
import {
  type ReleaseState,
  type RolloutState,
  activeReleases,
  statusOf,
} from "../../core/state.js";
import { type BuiltPorts, type CliIo, CliError, leaseFor, usageError } from "./context.js";
import { drive, recoverCommandFor, reportRun } from "./drive.js";
import type { CommonOptions } from "./options.js";
import { pickRelease } from "./release-commands.js";

/** Appends at the tail, re-reading on a conflict with the running deploy. */
async function appendFor(
  ports: BuiltPorts,
  make: (state: RolloutState) => RolloutEvent | undefined,
): Promise<RolloutState> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const { state } = await readState(ports.ledger);
    const event = make(state);
    if (event === undefined) return state;
    try {
      await ports.ledger.append(event, state.lastSeq + 1);
      return (await readState(ports.ledger)).state;
    } catch (err) {
      if (
        !(err instanceof LedgerConflictError) &&
        (err as { code?: string }).code !== "LEDGER_CONFLICT"
      )
        throw err;
    }
  }
  throw new CliError("the ledger kept changing under this command; try again", EXIT.human);
}

function print(io: CliIo, o: CommonOptions, value: Record<string, unknown>, text: string): void {
  if (o.json) io.stdout(JSON.stringify(value) + "\n");
  else io.stderr(text + "\n");
}

export async function pauseCommand(
  ports: BuiltPorts,
  o: CommonOptions,
  releaseId: string | undefined,
  io: CliIo,
): Promise<ExitCode> {
  let id = "";
  await appendFor(ports, (s) => {
    const r = pickRelease(s.releases, activeReleases(s), releaseId, o.environment);
    if (r.outcome) throw new CliError(`release ${r.id} already ${r.outcome}`, EXIT.usage);
    id = r.id;
    return r.paused ? undefined : { type: "paused", release: r.id, by: `pause@${process.pid}` };
  });
  print(
    io,
    o,
    { kind: "paused", release: id },
    `release ${id} paused: the running deploy stops after its current step (reverts are never held back)`,
  );
  return EXIT.done;
}

export async function abortCommand(
  ports: BuiltPorts,
  o: CommonOptions,
  releaseId: string | undefined,
  io: CliIo,
): Promise<ExitCode> {
  let id = "";
  await appendFor(ports, (s) => {
    const r = pickRelease(s.releases, activeReleases(s), releaseId, o.environment);
    if (r.outcome) throw new CliError(`release ${r.id} already ${r.outcome}`, EXIT.usage);
    id = r.id;
    return r.abortRequested
      ? undefined
      : { type: "abort-requested", release: r.id, by: `abort@${process.pid}` };
  });
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
    const { state } = await readState(ports.ledger);
    const r = releaseOnCohort(state, cohort, releaseId);
    const t = r.targets.get(cohort);
    if (!t) throw usageError([`--cohort: release ${r.id} has no cohort "${cohort}"`]);
    if (!r.outcome) {
      // A release in flight (or stuck on a failed revert): reverting a cohort aborts the release,
      // and the runner returns every cohort it reached, most critical first, this one included.
      if (t.phase !== "reverting") {
        await ports.ledger.append(
          {
            type: "reverting",
            release: r.id,
            cohort,
            stack: t.target.stack,
            to: t.previous,
            manual: true,
          },
          state.lastSeq + 1,
        );
      }
      const d = await drive(ports, lease, r.id, o, io);
      reportRun(io, o, d);
      return d.exitCode;
    }
    // A finished release: return this one cohort to the update it had before the release.
    if (!t.previous) {
      throw new CliError(
        `no update of ${t.target.stack} before release ${r.id} is recorded; revert it by hand with pulumi`,
        EXIT.human,
      );
    }
    const log = (line: string) => io.stderr(`  ${cohort}: ${line}\n`);
    let seq = state.lastSeq;
    const rec = await ports.ledger.append(
      {
        type: "reverting",
        release: r.id,
        cohort,
        stack: t.target.stack,
        to: t.previous,
        manual: true,
      },
      seq + 1,
    );
    seq = rec.seq;
    const refreshed = await ports.driver.refresh(t.target.stack, log);
    if (!refreshed.ok) log(`refresh failed (${refreshed.error ?? "unknown"}); reverting anyway`);
    const result = await ports.driver.revert(t.target.stack, t.previous, log);
    if (result.ok) {
      await ports.ledger.append(
        {
          type: "reverted",
          release: r.id,
          cohort,
          manual: true,
          ...(result.updateVersion !== undefined ? { updateVersion: result.updateVersion } : {}),
        },
        seq + 1,
      );
      print(
        io,
        o,
        { kind: "reverted", release: r.id, cohort, stack: t.target.stack },
        `cohort ${cohort} (stack ${t.target.stack}) is back on its update before ${r.id} (${statusOf(r)})`,
      );
      return EXIT.done;
    }
    const recover = recoverCommandFor(o)(t.target, r.id);
    await ports.ledger.append(
      {
        type: "revert-failed",
        release: r.id,
        cohort,
        reason: result.error ?? "unknown error",
        recoverCommand: recover,
        manual: true,
      },
      seq + 1,
    );
    throw new CliError(
      `revert of ${cohort} (stack ${t.target.stack}) failed: ${result.error ?? "unknown error"}; ` +
        `its last good config: ${JSON.stringify(t.previous.config)}; retry with: ${recover}`,
      EXIT.human,
    );
  } finally {
    await lease.release();
  }
}
