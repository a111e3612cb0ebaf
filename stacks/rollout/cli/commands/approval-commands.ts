/**
 * `approve` and `reject`: a person lets a release into a wave that needs
 * approval, or refuses it. Both are ledger appends naming who, why, and the
 * plan record approved, so they work from another terminal and survive
 * crashes like every other event. `approve` only records (the release
 * continues with `resume`); `reject` ends the release and, when nobody is
 * driving it, carries out its reverts here, like `abort`.
 *
 * Both are intents (core/intents.ts) submitted through the executor's writer.
 *
 * Also the approval part of `status`: the condition a release waits in, and
 * the approvals recorded.
 */
import { approvalGate, approvalGates } from "../../core/approvals.js";
import { EXIT, type ExitCode } from "../../core/exit-codes.js";
import { type ReleaseState, type RolloutState, statusOf } from "../../core/state.js";
import { type BuiltPorts, type CliIo, CliError, leaseFor, usageError } from "./context.js";
import { drive, reportRun, submitIntent } from "./drive.js";
import { type CommonOptions, cliCommand } from "./options.js";

export { type ApprovalRequest, approvalFlagProblems, defaultApprover } from "./approval-flags.js";
import type { ApprovalRequest } from "./approval-flags.js";

function print(io: CliIo, o: CommonOptions, value: Record<string, unknown>, text: string): void {
  if (o.json) io.stdout(JSON.stringify(value) + "\n");
  else io.stderr(text + "\n");
}

/** Checks the request against the ledger; returns the release and 0-based wave. */
function check(
  s: RolloutState,
  a: ApprovalRequest,
  o: CommonOptions,
  decision: "approve" | "reject",
): ReleaseState {
  const r = s.releases.get(a.release);
  if (!r)
    throw usageError([`--release: no release "${a.release}" in the ledger of ${o.environment}`]);
  if (r.outcome)
    throw new CliError(`release ${r.id} already ${r.outcome}; nothing to decide`, EXIT.usage);
  // A release being reverted is past approving (a repeated `reject` just drives its reverts).
  if ((r.abortRequested || r.failure || r.stuck) && !(decision === "reject" && r.rejection))
    throw new CliError(
      `release ${r.id} is being reverted (${statusOf(r)}); nothing to decide`,
      EXIT.usage,
    );
  const index = a.wave - 1;
  const gate = approvalGate(r, index);
  if (!gate) {
    const gated = approvalGates(r).map((g) => g.wave + 1);
    throw usageError([
      `--wave: wave ${a.wave} of ${r.id} needs no approval; ${gated.length > 0 ? `waves that do: ${gated.join(", ")}` : "none of its waves does"}`,
    ]);
  }
  const started = r.waves[index]?.targets.some((t) => r.targets.get(t.cohort)?.phase !== "pending");
  if (started) throw usageError([`--wave: ${r.id} has already entered wave ${a.wave}`]);
  if (gate.approvers.length > 0 && !gate.approvers.includes(a.by)) {
    throw new CliError(
      `${a.by} may not decide wave ${a.wave} of ${r.id} (${gate.cohorts.join(", ")}): its approvers are ${gate.approvers.join(", ")} (cohorts[].approvers in the environment definition); pass --by <one of them>`,
      EXIT.usage,
    );
  }
  return r;
}

/**
 * Submits the decision as an intent, checked against the ledger as it is when appended;
 * returns the release as it was then (an approval already given shows there).
 */
async function record(
  ports: BuiltPorts,
  a: ApprovalRequest,
  o: CommonOptions,
  decision: "approve" | "reject",
): Promise<ReleaseState> {
  const { state } = await submitIntent(ports, (s) => {
    const r = check(s, a, o, decision);
    return { kind: decision, release: r.id, wave: a.wave - 1, by: a.by, reason: a.reason };
  });
  return check(state, a, o, decision);
}

export async function approveCommand(
  ports: BuiltPorts,
  o: CommonOptions,
  a: ApprovalRequest,
  io: CliIo,
): Promise<ExitCode> {
  const index = a.wave - 1;
  const r = await record(ports, a, o, "approve");
  const given = r.approvals.get(index);
  const resume = cliCommand(o, "resume", `--release ${r.id}`);
  print(
    io,
    o,
    {
      kind: "approved",
      release: r.id,
      wave: index,
      by: given?.by ?? a.by,
      reason: given?.reason ?? a.reason,
      alreadyApproved: given !== undefined,
      next: resume,
    },
    given
      ? `wave ${a.wave} of ${r.id} was already approved by ${given.by} (${given.reason}); continue with: ${resume}`
      : `wave ${a.wave} of ${r.id} approved by ${a.by}; continue with: ${resume}`,
  );
  return EXIT.done;
}

export async function rejectCommand(
  ports: BuiltPorts,
  o: CommonOptions,
  a: ApprovalRequest,
  io: CliIo,
): Promise<ExitCode> {
  const index = a.wave - 1;
  const r = await record(ports, a, o, "reject");
  let lease;
  try {
    lease = await leaseFor(ports, o, "reject");
  } catch (err) {
    if (!(err instanceof CliError) || err.exitCode !== EXIT.human) throw err;
    // Someone is driving the release: it sees the rejection before its next step and reverts.
    print(
      io,
      o,
      { kind: "rejected", release: r.id, wave: index, by: a.by, reason: a.reason },
      `wave ${a.wave} of ${r.id} rejected by ${a.by}; the run driving it reverts every cohort it reached (${err.message})`,
    );
    return EXIT.done;
  }
  // Nobody is driving the release (it was waiting): carry out the reverts here.
  try {
    io.stderr(`wave ${a.wave} of ${r.id} rejected by ${a.by}: reverting every cohort it reached\n`);
    const d = await drive(ports, lease, r.id, o, io);
    reportRun(io, o, d);
    return d.exitCode;
  } finally {
    await lease.release();
  }
}

/** The approval part of a release in `status --json`. */
export function approvalView(r: ReleaseState, o: CommonOptions) {
  const w = r.awaitingApproval;
  return {
    ...(w
      ? {
          awaitingApproval: {
            wave: w.wave,
            cohorts: w.cohorts,
            approvers: w.approvers,
            since: new Date(w.since).toISOString(),
            approveCommand: cliCommand(
              o,
              "approve",
              `--release ${r.id}`,
              `--wave ${w.wave + 1}`,
              '--reason "…"',
            ),
          },
        }
      : {}),
    ...(approvalGates(r).length > 0
      ? {
          approvals: approvalGates(r).map((g) => {
            const given = r.approvals.get(g.wave);
            return {
              wave: g.wave,
              cohorts: g.cohorts,
              approvers: g.approvers,
              ...(given
                ? {
                    approvedBy: given.by,
                    reason: given.reason,
                    at: new Date(given.at).toISOString(),
                  }
                : {}),
            };
          }),
        }
      : {}),
    ...(r.rejection
      ? { rejection: { ...r.rejection, at: new Date(r.rejection.at).toISOString() } }
      : {}),
  };
}

/** The same, as `status` text lines. */
export function approvalLines(v: ReturnType<typeof approvalView>): string[] {
  const lines: string[] = [];
  const w = v.awaitingApproval;
  if (w) {
    const who = w.approvers.length > 0 ? w.approvers.join(", ") : "anyone who can write the ledger";
    lines.push(
      `  AWAITING APPROVAL before wave ${w.wave + 1} (${w.cohorts.join(", ")}) since ${w.since}; may approve: ${who}`,
      `    approve with: ${w.approveCommand}`,
    );
  }
  for (const a of v.approvals ?? [])
    if (a.approvedBy !== undefined)
      lines.push(
        `  wave ${a.wave + 1} approved by ${a.approvedBy} at ${a.at ?? "?"}: ${a.reason ?? ""}`,
      );
  if (v.rejection)
    lines.push(
      `  wave ${v.rejection.wave + 1} rejected by ${v.rejection.by} at ${v.rejection.at}: ${v.rejection.reason}`,
    );
  return lines;
}
