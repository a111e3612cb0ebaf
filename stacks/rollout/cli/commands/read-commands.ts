/**
 * `status` and `history`: read-only views of the ledger (no lease, no stack
 * calls), so they are safe to run while a deploy is in flight.
 */
import { EXIT, type ExitCode } from "../../core/exit-codes.js";
import { deliveriesView, deliveryLines } from "../../notify/status-view.js";
import { approvalLines, approvalView } from "./approval-commands.js";
import { phaseOf } from "../../core/conditions.js";
import { renderLine } from "../../core/progress.js";
import { readState } from "../../executor/runner.js";
import { type ReleaseState, statusOf } from "../../core/state.js";
import { type BuiltPorts, type CliIo, usageError } from "./context.js";
import { type CommonOptions, cliCommand } from "./options.js";

function releaseView(r: ReleaseState, now: number, o: CommonOptions) {
  return {
    release: r.id,
    version: r.spec.version,
    status: statusOf(r),
    // The phase and its conditions, as Argo Rollouts and Kargo expose theirs (conditions.ts).
    phase: phaseOf(r),
    conditions: [...r.conditions.values()].map((c) => ({
      type: c.type,
      status: c.status,
      reason: c.reason,
      message: c.message,
      lastTransitionTime: new Date(c.lastTransitionAt).toISOString(),
      lastUpdateTime: new Date(c.lastUpdateAt).toISOString(),
    })),
    plannedAt: new Date(r.plannedAt).toISOString(),
    ...approvalView(r, o),
    ...(r.failure ? { failure: r.failure } : {}),
    ...(r.blocked ? { blocked: r.blocked } : {}),
    waves: r.waves.map((w) => ({
      // 0-based in every JSON output (progress events, deploy results, status); "wave 1" for people.
      wave: w.index,
      cohorts: w.targets.map((pt) => {
        const t = r.targets.get(pt.cohort);
        // A cohort whose update returned but whose new version does not serve yet is
        // "deploying": its bake has not started, and it is not yet running the release.
        const deploying = t?.phase === "applied" && t.servingAt === undefined;
        const bakeLeftMs =
          t?.phase === "applied" && t.servingAt !== undefined
            ? Math.max(0, t.servingAt + pt.bakeMs - now)
            : undefined;
        return {
          cohort: pt.cohort,
          stack: pt.stack,
          phase: deploying ? "deploying" : (t?.phase ?? "pending"),
          ...(deploying && t.deploymentProgress !== undefined
            ? { deployment: t.deploymentProgress }
            : {}),
          ...(bakeLeftMs !== undefined ? { bakeLeftMs } : {}),
          alarms: (t?.lastObservation ?? t?.precheck)?.readings.map((a) => ({
            name: a.name,
            state: a.exists ? (a.state ?? "?") : "MISSING",
          })),
          ...(t?.revertFailure ? { revertFailure: t.revertFailure } : {}),
        };
      }),
    })),
  };
}

/** A `--release` the ledger does not have is a typo, not an empty view. */
function knownRelease(
  recorded: readonly string[],
  releaseId: string | undefined,
  environment: string,
): void {
  if (releaseId !== undefined && !recorded.includes(releaseId)) {
    const known = recorded.slice(-5);
    throw usageError([
      `--release: no release "${releaseId}" in the ledger of ${environment}` +
        (known.length > 0 ? `; recent: ${known.join(", ")}` : "; nothing is recorded yet"),
    ]);
  }
}

/** Every release id the ledger names, in the order each first appears (single and train releases). */
function recordedReleases(records: readonly { event: { release?: string } }[]): string[] {
  const ids = new Set<string>();
  for (const r of records) if (r.event.release !== undefined) ids.add(r.event.release);
  return [...ids];
}

export async function statusCommand(
  ports: BuiltPorts,
  o: CommonOptions,
  releaseId: string | undefined,
  io: CliIo,
): Promise<ExitCode> {
  const { records, state } = await readState(ports.ledger);
  knownRelease(recordedReleases(records), releaseId, o.environment);
  if (releaseId !== undefined && !state.releases.has(releaseId))
    // A release submitted to a train: its cohorts are shown by the train's status.
    throw usageError([
      `--release: ${releaseId} is a train release; its status is part of the train's: \`${cliCommand(o, "status", "--train")}\``,
    ]);
  const now = ports.clock.now();
  const ids = releaseId !== undefined ? [releaseId] : state.order.slice(-5);
  const releases = ids
    .map((id) => state.releases.get(id))
    .filter((r): r is ReleaseState => r !== undefined)
    .map((r) => releaseView(r, now, o));
  const cohorts = Object.fromEntries(state.cohorts);
  const notifications = await deliveriesView(ports, o, releaseId);
  if (o.json) {
    io.stdout(
      JSON.stringify({
        environment: o.environment,
        ledger: ports.ledgerLocation,
        releases,
        cohorts,
        notifications,
      }) + "\n",
    );
    return EXIT.done;
  }
  const lines = [`environment ${o.environment} (ledger ${ports.ledgerLocation})`];
  if (releases.length === 0) lines.push("  no releases recorded");
  for (const r of releases) {
    lines.push(`release ${r.release} (${r.version}): ${r.status} (phase ${r.phase})`);
    if (r.failure) lines.push(`  failed at ${r.failure.cohort}: ${r.failure.reason}`);
    if (r.blocked) lines.push(`  blocked at ${r.blocked.cohort}: ${r.blocked.reason}`);
    lines.push(...approvalLines(r));
    for (const w of r.waves) {
      for (const c of w.cohorts) {
        const left =
          c.bakeLeftMs !== undefined ? `, ${Math.ceil(c.bakeLeftMs / 1000)}s of bake left` : "";
        const alarms = c.alarms
          ? ` · ${c.alarms.map((a) => `${a.name}=${a.state}`).join(" ")}`
          : "";
        const progress = c.deployment !== undefined ? ` (${c.deployment})` : "";
        lines.push(
          `  wave ${w.wave + 1} ${c.cohort} (${c.stack}): ${c.phase}${progress}${left}${alarms}`,
        );
        if (c.revertFailure) lines.push(`    recover with: ${c.revertFailure.recoverCommand}`);
      }
    }
  }
  lines.push(...deliveryLines(notifications));
  io.stdout(lines.join("\n") + "\n");
  return EXIT.done;
}

export async function historyCommand(
  ports: BuiltPorts,
  o: CommonOptions,
  releaseId: string | undefined,
  limit: number | undefined,
  io: CliIo,
): Promise<ExitCode> {
  const { records } = await readState(ports.ledger);
  knownRelease(recordedReleases(records), releaseId, o.environment);
  let shown = records.filter((r) => releaseId === undefined || r.event.release === releaseId);
  if (limit !== undefined) shown = shown.slice(-limit);
  if (o.json) {
    io.stdout(JSON.stringify({ environment: o.environment, records: shown }) + "\n");
    return EXIT.done;
  }
  if (shown.length === 0) {
    io.stdout(
      `no events recorded for environment ${o.environment} (ledger ${ports.ledgerLocation})\n`,
    );
  }
  for (const r of shown) {
    const line = renderLine({
      kind: "event",
      seq: r.seq,
      at: r.at,
      event: r.event,
    });
    io.stdout(`${new Date(r.at).toISOString()} ${line}\n`);
  }
  return EXIT.done;
}
