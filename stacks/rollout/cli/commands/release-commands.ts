/**
 * `plan`, `deploy` and `resume`: build the plan from the environment's
 * stacks, record it, and drive the release; or continue one from the ledger.
 * Re-running `deploy` with the same release id is a resume. Recording the plan
 * and a resume are intents (core/intents.ts) submitted through the executor's writer.
 */
import { EXIT, type ExitCode, exitCodeFor } from "../../core/exit-codes.js";
import type { EventOf, PlannedWave } from "../../core/events.js";
import { readState } from "../../executor/runner.js";
import { type ReleaseState, activeReleases, statusOf } from "../../core/state.js";
import { type BuiltPorts, type CliIo, CliError, leaseFor, usageError } from "./context.js";
import { drive, reportRun, submitIntent } from "./drive.js";
import { type CommonOptions, type ReleaseOptions, type RunOptions, cliCommand } from "./options.js";
import { defaultApprover } from "./approval-flags.js";
import { planEnvironment } from "./plan-inputs.js";
import { liveInTrain, trainResume } from "./train-cli.js";
import { trainDecisionProblems } from "./train-flags.js";

async function plannedWaves(
  ports: BuiltPorts,
  o: CommonOptions,
  run: RunOptions,
  rel: ReleaseOptions,
): Promise<PlannedWave[]> {
  const plan = await planEnvironment(ports.driver, ports.gate, {
    environment: o.environment,
    edgeStack: o.edgeStack ?? o.environment,
    edgeChanged: rel.edgeConfig !== undefined,
    publicationLagMs: run.publicationLag,
    bakeScale: run.bakeScale,
  });
  if (!plan.ok) {
    throw new CliError(
      `plan refused for environment ${o.environment}:\n${plan.problems.map((p) => `  - ${p}`).join("\n")}`,
      EXIT.usage,
    );
  }
  return plan.waves;
}

function describeWaves(waves: PlannedWave[]): string {
  return waves
    .map(
      (w) =>
        `wave ${w.index + 1}: ` +
        w.targets
          .map(
            (t) =>
              `${t.cohort} (stack ${t.stack}, bake ${Math.round(t.bakeMs / 1000)}s, ${t.alarmNames.length} alarms)`,
          )
          .join(", "),
    )
    .join("\n");
}

export async function planCommand(
  ports: BuiltPorts,
  o: CommonOptions,
  run: RunOptions,
  rel: ReleaseOptions,
  io: CliIo,
): Promise<ExitCode> {
  const waves = await plannedWaves(ports, o, run, rel);
  if (o.json) io.stdout(JSON.stringify({ kind: "plan", release: rel.release, waves }) + "\n");
  else io.stdout(`${describeWaves(waves)}\n`);
  return EXIT.done;
}

/** Key order does not matter: `--config A=1 --config B=2` is the same release as the reverse. */
function sameMap(a: Record<string, string> | undefined, b: Record<string, string> | undefined) {
  const canonical = (m: Record<string, string> | undefined) =>
    JSON.stringify(Object.entries(m ?? {}).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
  return canonical(a) === canonical(b);
}

/**
 * What a re-run of `deploy` with a release id already in the ledger must agree on. The ledger's
 * plan governs a continued release, so a flag that differs is refused rather than ignored. A
 * re-run that leaves out --program-revision continues with the recorded one.
 */
function sameSpec(r: ReleaseState, rel: ReleaseOptions): string[] {
  const diffs: string[] = [];
  if (r.spec.version !== rel.version)
    diffs.push(`--version: ${rel.release} was planned with ${r.spec.version}, not ${rel.version}`);
  if (!sameMap(r.spec.config, rel.config))
    diffs.push(`--config: differs from the config ${rel.release} was planned with`);
  if (!sameMap(r.spec.edgeConfig, rel.edgeConfig))
    diffs.push(`--edge-config: differs from the edge config ${rel.release} was planned with`);
  if (rel.programRevision !== undefined && rel.programRevision !== r.spec.programRevision)
    diffs.push(
      `--program-revision: ${rel.release} was planned with ${r.spec.programRevision ?? "the then current revision"}, not ${rel.programRevision}`,
    );
  return diffs;
}

export async function deployCommand(
  ports: BuiltPorts,
  o: CommonOptions,
  run: RunOptions,
  rel: ReleaseOptions,
  io: CliIo,
): Promise<ExitCode> {
  const lease = await leaseFor(ports, o, "deploy");
  try {
    const { state } = await readState(ports.ledger);
    const existing = state.releases.get(rel.release);
    if (existing) {
      // Re-running deploy continues the release from the ledger, exactly as `resume` would.
      const diffs = sameSpec(existing, rel);
      if (diffs.length > 0) throw usageError(diffs);
      if (existing.outcome) {
        io.stderr(`release ${rel.release} already ${existing.outcome}; nothing to do\n`);
        return exitCodeFor(existing.outcome);
      }
      io.stderr(`release ${rel.release} is in the ledger (${statusOf(existing)}): continuing it\n`);
    } else {
      const other = activeReleases(state)[0];
      if (other) {
        throw new CliError(
          `release ${other.id} is still in flight on ${o.environment} (${statusOf(other)}); ` +
            `resume, pause or abort it first (${cliCommand(o, "status")})`,
          EXIT.human,
        );
      }
      const waves = await plannedWaves(ports, o, run, rel);
      const cohorts = waves.flatMap((w) => w.targets.map((t) => t.cohort));
      const unknown = rel.approveBefore.filter((c) => !cohorts.includes(c));
      if (unknown.length > 0)
        throw usageError(
          unknown.map(
            (c) => `--approve-before: no cohort "${c}" in the plan; cohorts: ${cohorts.join(", ")}`,
          ),
        );
      const planned: EventOf<"planned"> = {
        type: "planned",
        release: rel.release,
        releaseSpec: {
          id: rel.release,
          version: rel.version,
          config: rel.config,
          ...(rel.edgeConfig !== undefined ? { edgeConfig: rel.edgeConfig } : {}),
          ...(rel.programRevision !== undefined ? { programRevision: rel.programRevision } : {}),
        },
        environment: o.environment,
        waves,
        policy: {
          insufficientData: run.insufficientData,
          pollIntervalMs: run.pollInterval,
          allowDataLoss: run.allowDataLoss,
        },
        ...(rel.approveBefore.length > 0 ? { approveBefore: rel.approveBefore } : {}),
      };
      if (!o.json)
        io.stderr(`plan for ${rel.release} (${rel.version}):\n${describeWaves(waves)}\n`);
      await submitIntent(ports, (s) => {
        // Under the lease no other deploy plans; this refuses what another writer did meanwhile.
        const inFlight = activeReleases(s).find((r) => r.id !== rel.release);
        if (inFlight)
          throw new CliError(
            `release ${inFlight.id} was planned on ${o.environment} meanwhile`,
            EXIT.human,
          );
        return { kind: "plan", planned };
      });
    }
    const d = await drive(ports, lease, rel.release, o, io);
    reportRun(io, o, d);
    return d.exitCode;
  } finally {
    await lease.release();
  }
}

/** The release a command is about: the one named, or the single one in flight. */
export function pickRelease(
  releases: Map<string, ReleaseState>,
  active: ReleaseState[],
  named: string | undefined,
  environment: string,
): ReleaseState {
  if (named !== undefined) {
    const r = releases.get(named);
    if (!r) throw usageError([`--release: no release "${named}" in the ledger of ${environment}`]);
    return r;
  }
  const first = active[0];
  if (!first) throw new CliError(`no release is in flight on ${environment}`, EXIT.usage);
  if (active.length > 1) {
    throw usageError([
      `--release: several releases are in flight (${active.map((r) => r.id).join(", ")}); name one`,
    ]);
  }
  return first;
}

export async function resumeCommand(
  ports: BuiltPorts,
  o: CommonOptions,
  releaseId: string | undefined,
  io: CliIo,
  who: { by?: string; reason?: string } = {},
): Promise<ExitCode> {
  // A live train release: `resume` retries its failed reverts (train-decisions.ts), read from
  // the train's snapshot and tail, as `abort` does.
  if (releaseId !== undefined && (await liveInTrain(ports, o, io, releaseId))) {
    const problems = trainDecisionProblems({ release: releaseId, ...who }, "resume");
    if (problems.length > 0) throw usageError(problems);
    return trainResume(
      ports,
      o,
      { release: releaseId, by: who.by ?? defaultApprover(io.env), reason: who.reason ?? "" },
      io,
    );
  }
  // Nothing to resume is refused before the lease is taken (which creates the ledger's
  // directory), so a refused command leaves nothing behind. Checked again under the lease.
  const before = (await readState(ports.ledger)).state;
  pickRelease(before.releases, activeReleases(before), releaseId, o.environment);
  const lease = await leaseFor(ports, o, "resume");
  try {
    const { state } = await readState(ports.ledger);
    const r = pickRelease(state.releases, activeReleases(state), releaseId, o.environment);
    if (r.outcome) {
      io.stderr(`release ${r.id} already ${r.outcome}; nothing to resume\n`);
      return exitCodeFor(r.outcome);
    }
    // A human resuming clears a pause, a block (the precheck runs again) and retries failed
    // reverts; an intent that holds already (nothing to clear) records nothing.
    await submitIntent(ports, () => ({ kind: "resume", release: r.id, by: lease.owner }));
    const d = await drive(ports, lease, r.id, o, io);
    reportRun(io, o, d);
    return d.exitCode;
  } finally {
    await lease.release();
  }
}
