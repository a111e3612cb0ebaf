/**
 * The runner: fold the ledger, ask the machine what to do, do it through the
 * ports, append the outcome, repeat. It holds no state of its own that a
 * crash could lose — every step starts from the ledger — so a process killed
 * at any point is continued by running it again.
 *
 * No Pulumi or AWS imports: drivers, gates, ledgers and clocks are ports, so
 * tests and the rehearsal drive the same code on a virtual clock.
 */
import { dataLossChanges, describeChange } from "../core/data-loss.js";
import {
  type DeploymentOfUpdate,
  checkDeployment,
  deploymentFromOutputs,
  describeRef,
  withRetries,
} from "./deployment-watch.js";
import {
  type PlannedTarget,
  type RecordedReading,
  type RolloutEvent,
  parseEvent,
} from "../core/events.js";
import { type Command, type Outcome, cancelsRunningUpdate, decide } from "../core/machine.js";
import type { ProgressListener } from "../core/progress.js";
import {
  type AlarmReading,
  type ApplyResult,
  type Clock,
  type DeploymentStatus,
  type DeploymentWatcher,
  type HealthGate,
  type Ledger,
  LedgerConflictError,
  type LedgerRecord,
  type PreviewResult,
  type Release,
  type StackDriver,
  type UpdateRecord,
} from "../core/ports.js";
import { type FoldRecord, type ReleaseState, type RolloutState, fold } from "../core/state.js";
import { isUpdateOfRelease } from "../core/update-identity.js";

export interface RunnerPorts {
  driver: StackDriver;
  gate: HealthGate;
  /** Stores rollout events; read back and validated with zod. */
  ledger: Ledger<unknown>;
  clock: Clock;
  progress?: ProgressListener;
  /**
   * Watches deployments named by cohort stacks' `deployment` outputs (ECS), so a bake starts
   * when the new version serves. Optional: a stack that names a deployment while no watcher is
   * configured fails the release there (fails closed), never bakes from the update's return.
   */
  deployments?: DeploymentWatcher;
}

export interface RunnerOptions {
  /** Attempts to read alarms before failing closed. */
  gateAttempts: number;
  /** First retry delay; doubles each attempt. */
  gateBackoffMs: number;
  /** Stops the loop between steps (lease lost, operator interrupt). */
  signal?: AbortSignal;
  /** Builds the command an operator runs when a revert fails. */
  recoverCommand?: (target: PlannedTarget, release: string) => string;
}

export const DEFAULT_RUNNER_OPTIONS: RunnerOptions = { gateAttempts: 4, gateBackoffMs: 1_000 };

export interface RunResult {
  release: string;
  outcome: Outcome | "interrupted";
  reason: string;
  state?: ReleaseState;
}

/**
 * Reads and validates the whole ledger. A record that fails validation stops everything.
 * `parsed` caches validated events by sequence number: records never change once written,
 * so a long-running runner validates each one once, not once per step.
 */
export async function readState(
  ledger: Ledger<unknown>,
  parsed?: Map<number, RolloutEvent>,
): Promise<{ state: RolloutState; records: FoldRecord[] }> {
  const raw = await ledger.read();
  const records = raw.map((r: LedgerRecord<unknown>) => {
    const cached = parsed?.get(r.seq);
    if (cached) return { seq: r.seq, at: r.at, event: cached };
    try {
      const event = parseEvent(r.event);
      parsed?.set(r.seq, event);
      return { seq: r.seq, at: r.at, event };
    } catch (err) {
      throw new Error(
        `ledger record #${r.seq} is not a valid rollout event: ${(err as Error).message}`,
      );
    }
  });
  return { state: fold(records), records };
}

function toRecorded(r: AlarmReading): RecordedReading {
  return {
    name: r.name,
    exists: r.exists,
    state: r.state,
    ...(r.reason !== undefined ? { reason: r.reason } : {}),
  };
}

function sameReadings(a: RecordedReading[] | undefined, b: RecordedReading[]): boolean {
  if (!a || a.length !== b.length) return false;
  return a.every(
    (x, i) => x.name === b[i]?.name && x.exists === b[i]?.exists && x.state === b[i]?.state,
  );
}

/** The release a stack is given: the edge stack gets the edge config, cohorts the release's config. */
export function releaseFor(spec: ReleaseState["spec"], target: PlannedTarget): Release {
  const release: Release = { id: spec.id, version: spec.version, config: spec.config };
  if (spec.programRevision !== undefined) release.programRevision = spec.programRevision;
  if (target.edge) {
    release.config = spec.edgeConfig ?? {};
    release.edgeConfig = spec.edgeConfig ?? {};
  } else if (spec.edgeConfig !== undefined) {
    release.edgeConfig = spec.edgeConfig;
  }
  return release;
}

type FailureCause = Extract<RolloutEvent, { type: "failed" }>["cause"];

function failedAt(
  release: string,
  cohort: string,
  cause: FailureCause,
  reason: string,
): RolloutEvent {
  return { type: "failed", release, cohort, cause, reason };
}

/** What an update's result records: applied, blocked (stack locked), or failed (cancelled or not). */
function updateOutcome(
  release: string,
  t: PlannedTarget,
  result: ApplyResult,
  cancelledBecause: string | undefined,
): RolloutEvent {
  if (result.ok)
    return {
      type: "applied",
      release,
      cohort: t.cohort,
      updateVersion: result.updateVersion,
      recovered: false,
    };
  if (result.locked)
    return {
      type: "blocked",
      release,
      cohort: t.cohort,
      reason: `stack ${t.stack} is locked by another update (${result.error ?? "locked"}); wait for it or run \`pulumi cancel --stack ${t.stack}\`, then resume`,
    };
  // Cancelled because the release is stopping: the stack may hold part of the update. The
  // `applying` stays open in the state, so its revert refreshes the stack first.
  if (cancelledBecause !== undefined)
    return failedAt(
      release,
      t.cohort,
      "cancelled",
      `update of ${t.stack} cancelled: ${cancelledBecause} (${result.error ?? "the update stopped"})`,
    );
  return failedAt(
    release,
    t.cohort,
    "update",
    `update of ${t.stack} failed: ${result.error ?? "unknown error"}`,
  );
}

function interrupted(release: string, signal: AbortSignal): RunResult {
  const why: unknown = signal.reason;
  const reason = why instanceof Error ? why.message : typeof why === "string" ? why : "interrupted";
  return { release, outcome: "interrupted", reason };
}

export class Runner {
  private readonly lastPoll = new Map<string, number>();
  /** `release/cohort` -> when its deployment was last checked, so checks run once a poll interval. */
  private readonly lastDeploymentCheck = new Map<string, number>();
  /** `release/cohort` keys whose `reverting` this process appended: no crash since, no refresh needed. */
  private readonly revertsStartedHere = new Set<string>();
  private readonly parsed = new Map<number, RolloutEvent>();
  /** The cadence wait last announced, so a wait re-decided every poll is printed once. */
  private waitLogged?: string;
  private readonly options: RunnerOptions;

  constructor(
    private readonly ports: RunnerPorts,
    options: Partial<RunnerOptions> = {},
  ) {
    this.options = { ...DEFAULT_RUNNER_OPTIONS, ...options };
  }

  private emit(update: Parameters<ProgressListener>[0]): void {
    this.ports.progress?.(update);
  }

  /** Appends at the next sequence number; a conflict means another writer (pause/abort) got in first. */
  async append(event: RolloutEvent, lastSeq: number): Promise<LedgerRecord<unknown> | undefined> {
    try {
      const rec = await this.ports.ledger.append(event, lastSeq + 1);
      this.emit({
        kind: "event",
        seq: rec.seq,
        at: rec.at,
        event,
      });
      return rec;
    } catch (err) {
      if (
        err instanceof LedgerConflictError ||
        (err as { code?: string }).code === "LEDGER_CONFLICT"
      )
        return undefined;
      throw err;
    }
  }

  /**
   * Appends what happened to a stack (an update's or revert's outcome). Unlike a decision, a
   * fact stays true whatever another writer appended meanwhile (a `pause` from another
   * terminal), so a conflict re-reads the ledger's end and appends again. Dropping it would
   * leave the update looking unfinished: a paused run would then hold back the revert of a
   * failed update, and `resume` would apply the failed release a second time.
   */
  private async appendFact(event: RolloutEvent, lastSeq: number): Promise<void> {
    let seq = lastSeq;
    for (let attempt = 0; attempt < 10; attempt++) {
      if (await this.append(event, seq)) return;
      const records = await this.ports.ledger.read();
      seq = records.at(-1)?.seq ?? 0;
    }
    throw new Error(`could not record ${event.type} of ${event.release}: the ledger keeps moving`);
  }

  /** Runs one release until it stops (completed, failed, aborted, paused, blocked, stuck). */
  async run(releaseId: string): Promise<RunResult> {
    let lastWave = -1;
    for (;;) {
      const { signal } = this.options;
      if (signal?.aborted) return interrupted(releaseId, signal);
      const { state } = await readState(this.ports.ledger, this.parsed);
      const release = state.releases.get(releaseId);
      if (!release) throw new Error(`release "${releaseId}" is not in the ledger; plan it first`);
      const cmd = decide(release, this.ports.clock.now());
      if (cmd.kind === "stop")
        return { release: releaseId, outcome: cmd.outcome, reason: cmd.reason, state: release };
      const wave = waveOf(cmd, release);
      if (wave !== undefined && wave > lastWave && !release.failure && !release.abortRequested) {
        lastWave = wave;
        const w = release.waves[wave];
        if (w)
          this.emit({
            kind: "wave",
            release: releaseId,
            wave,
            waves: release.waves.length,
            cohorts: w.targets.map((t) => t.cohort),
          });
      }
      try {
        await this.execute(cmd, release, state.lastSeq);
      } catch (err) {
        // An operator interrupt (SIGINT) cuts a sleep or an update short: stop between steps.
        // Whatever was recorded stays; `resume` refreshes an update left half-done.
        if (signal?.aborted) return interrupted(releaseId, signal);
        throw err;
      }
    }
  }

  private async execute(cmd: Command, release: ReleaseState, lastSeq: number): Promise<void> {
    switch (cmd.kind) {
      case "record": {
        const rec = await this.append(cmd.event, lastSeq);
        if (rec && cmd.event.type === "reverting")
          this.revertsStartedHere.add(`${cmd.event.release}/${cmd.event.cohort}`);
        return;
      }
      case "precheck": {
        const obs = await this.readAlarms(cmd.target.alarmNames);
        await this.append(
          {
            type: "observed",
            release: cmd.release,
            cohort: cmd.target.cohort,
            phase: "precheck",
            final: false,
            ...obs,
          },
          lastSeq,
        );
        return;
      }
      case "apply":
        await this.applyTarget(cmd, release, lastSeq);
        return;
      case "observe":
        await this.observe(cmd, release, lastSeq);
        await this.watchDeploymentsDuringBake(cmd.targets, release, lastSeq);
        return;
      case "await-serving":
        await this.awaitServing(cmd, release, lastSeq);
        return;
      case "revert":
        await this.revertTarget(cmd, release, lastSeq);
        return;
      case "wait": {
        const key = `${cmd.release}/${cmd.cohort}/${cmd.until}`;
        if (this.waitLogged !== key) {
          this.waitLogged = key;
          this.emit({ kind: "log", release: cmd.release, cohort: cmd.cohort, line: cmd.reason });
        }
        // A cadence wait can last a day: sleep at most one poll interval, then re-read the
        // ledger, so an abort (whose reverts must not wait) or a pause is seen in time.
        const ms = Math.min(cmd.until - this.ports.clock.now(), release.policy.pollIntervalMs);
        if (ms > 0) await this.ports.clock.sleep(ms, this.options.signal);
        return;
      }
      case "stop":
        return;
    }
  }

  /** Reads alarms with retries and backoff; after the last attempt the error is recorded (fails closed). */
  private async readAlarms(
    names: string[],
  ): Promise<{ readings: RecordedReading[]; error?: string; takenAt: number }> {
    let delay = this.options.gateBackoffMs;
    let lastError = "unknown error";
    let takenAt = this.ports.clock.now();
    for (let attempt = 1; attempt <= this.options.gateAttempts; attempt++) {
      // The state CloudWatch returns is at least this recent, no more: stamp the read's start.
      takenAt = this.ports.clock.now();
      try {
        const readings = await this.ports.gate.read(names);
        return { readings: readings.map(toRecorded), takenAt };
      } catch (err) {
        lastError = err instanceof Error ? err.message : String(err);
        if (attempt < this.options.gateAttempts) {
          await this.ports.clock.sleep(delay, this.options.signal);
          delay *= 2;
        }
      }
    }
    return {
      readings: [],
      error: `${this.options.gateAttempts} attempts: ${lastError}`,
      takenAt,
    };
  }

  private async applyTarget(
    cmd: Extract<Command, { kind: "apply" }>,
    release: ReleaseState,
    lastSeq: number,
  ): Promise<void> {
    const { driver } = this.ports;
    const t = cmd.target;
    const spec = releaseFor(release.spec, t);
    const state = release.targets.get(t.cohort);
    if (!state) throw new Error(`cohort ${t.cohort} is not planned in release ${release.id}`);
    const log = (line: string): void =>
      this.emit({ kind: "log", release: release.id, cohort: t.cohort, line });
    let seq = lastSeq;

    if (cmd.interrupted) {
      // The process stopped between `applying` and its outcome. Clear pending operations, then
      // find out whether the update finished before applying it again.
      const refreshed = await driver.refresh(t.stack, log);
      if (!refreshed.ok)
        log(`refresh failed (${refreshed.error ?? "unknown"}); re-applying anyway`);
      const [pin, last] = await Promise.all([
        driver.readPin(t.stack),
        driver.lastGoodUpdate(t.stack),
      ]);
      // Not by version: file and DIY backends number every update 0 (update-identity.ts).
      const finished =
        isUpdateOfRelease(last, release.id, state.previous) &&
        (t.edge || pin?.release === release.id);
      if (finished) {
        await this.appendFact(
          {
            type: "applied",
            release: release.id,
            cohort: t.cohort,
            ...(last.version > 0 ? { updateVersion: last.version } : {}),
            recovered: true,
            ...(await this.deploymentOfUpdate(t, log)),
          },
          seq,
        );
        return;
      }
      const rec = await this.append(
        {
          type: "applying",
          release: release.id,
          cohort: t.cohort,
          stack: t.stack,
          previous: state.previous,
          attempt: cmd.attempt,
        },
        seq,
      );
      if (!rec) return;
      seq = rec.seq;
    } else {
      const previous = await this.preflight(t, spec, release, log, seq);
      if (previous === undefined) return;
      const rec = await this.append(
        {
          type: "applying",
          release: release.id,
          cohort: t.cohort,
          stack: t.stack,
          previous,
          attempt: 1,
        },
        seq,
      );
      if (!rec) return;
      seq = rec.seq;
    }

    const { result, cancelledBecause } = await this.applyWatchingLedger(
      t.stack,
      spec,
      log,
      release,
    );
    // Cut short by an operator interrupt: not the release's fault. `applying` stays open, so
    // `resume` refreshes the stack and finds out whether the update finished.
    if (!result.ok && this.options.signal?.aborted) return;
    const outcome = updateOutcome(release.id, t, result, cancelledBecause);
    await this.appendFact(
      outcome.type === "applied"
        ? { ...outcome, ...(await this.deploymentOfUpdate(t, log)) }
        : outcome,
      seq,
    );
  }

  /**
   * Before a cohort's first attempt: what it would revert to, its preview shown, and the
   * refusals (no good update, data loss, a preview that cannot run) recorded as `failed`.
   * Returns the update to revert to, or undefined when the release stops here.
   */
  private async preflight(
    t: PlannedTarget,
    spec: Release,
    release: ReleaseState,
    log: (line: string) => void,
    seq: number,
  ): Promise<UpdateRecord | undefined> {
    const { driver } = this.ports;
    const refuse = async (cause: "refused" | "preview", reason: string): Promise<undefined> => {
      await this.append(failedAt(release.id, t.cohort, cause, reason), seq);
      return undefined;
    };
    const previous = await driver.lastGoodUpdate(t.stack);
    if (previous === undefined) {
      // Without a good update there is nothing to revert to: a failed gate would leave the
      // cohort on the bad release with no automatic way back. Refuse before touching it.
      return refuse(
        "refused",
        `${t.stack} has no successful update to revert to if this release fails — deploy it once with \`pulumi up --stack ${t.stack}\`, then deploy the release again`,
      );
    }
    let preview: PreviewResult;
    try {
      preview = await driver.preview(t.stack, spec, log, this.options.signal);
    } catch (err) {
      // An operator interrupt: nothing was applied, `run` stops between steps.
      if (this.options.signal?.aborted) throw err;
      // The release cannot even be previewed on this cohort (its program throws on the new
      // config, a provider rejects it): it fails here, before `applying`, and the cohorts it
      // already reached are reverted like after a failed update.
      return refuse(
        "preview",
        `preview of ${t.stack} failed: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    this.emit({
      kind: "preview",
      release: release.id,
      cohort: t.cohort,
      summary: preview.summary,
      changes: preview.changes.filter((c) => c.op !== "same").map(describeChange),
    });
    const loss = dataLossChanges(preview);
    if (loss.length > 0 && !release.policy.allowDataLoss) {
      return refuse(
        "refused",
        `the release would lose data: ${loss.map(describeChange).join("; ")} — re-run with --allow-data-loss if intended`,
      );
    }
    return previous;
  }

  /**
   * `driver.apply`, while re-reading the ledger every poll interval: an update can take many
   * minutes, and an abort recorded meanwhile (from another terminal) must not wait for it. When
   * the ledger says the release is to stop and revert (machine.ts `cancelsRunningUpdate`; a
   * pause is not such a reason), the update is cancelled through its AbortSignal, which also
   * carries the runner's own signal (Ctrl-C, a lost lease). `cancelledBecause` is set when the
   * ledger, not that signal, cut the update short.
   */
  private async applyWatchingLedger(
    stack: string,
    spec: Release,
    log: (line: string) => void,
    release: ReleaseState,
  ): Promise<{ result: ApplyResult; cancelledBecause?: string }> {
    const outer = this.options.signal;
    const update = new AbortController();
    const onOuterAbort = (): void => update.abort(outer?.reason);
    if (outer?.aborted) onOuterAbort();
    else outer?.addEventListener("abort", onOuterAbort, { once: true });
    const settled = new AbortController();
    let cancelledBecause: string | undefined;
    const watching = this.watchLedgerDuringApply(
      release.id,
      release.policy.pollIntervalMs,
      settled.signal,
      log,
      (why) => {
        if (update.signal.aborted) return;
        cancelledBecause = why;
        log(`cancelling the update of ${stack}: ${why}`);
        update.abort(new Error(`cancelled: ${why}`));
      },
    );
    try {
      const result = await this.ports.driver.apply(stack, spec, log, update.signal);
      return { result, ...(cancelledBecause !== undefined ? { cancelledBecause } : {}) };
    } finally {
      outer?.removeEventListener("abort", onOuterAbort);
      settled.abort(new Error("the update returned"));
      await watching;
    }
  }

  /** Never rejects: a ledger that cannot be read here is read (and reported) by the next step. */
  private async watchLedgerDuringApply(
    releaseId: string,
    intervalMs: number,
    settled: AbortSignal,
    log: (line: string) => void,
    cancel: (why: string) => void,
  ): Promise<void> {
    let warned = false;
    while (!settled.aborted) {
      try {
        await this.ports.clock.sleep(intervalMs, settled);
      } catch {
        return;
      }
      if (settled.aborted) return;
      try {
        const { state } = await readState(this.ports.ledger, this.parsed);
        if (settled.aborted) return;
        const r = state.releases.get(releaseId);
        const why = r ? cancelsRunningUpdate(r) : undefined;
        if (why !== undefined) {
          cancel(why);
          return;
        }
      } catch (err) {
        if (!warned) {
          warned = true;
          log(
            `could not re-read the ledger while the update runs (${err instanceof Error ? err.message : String(err)}); retrying every poll interval`,
          );
        }
      }
    }
  }

  private async observe(
    cmd: Extract<Command, { kind: "observe" }>,
    release: ReleaseState,
    lastSeq: number,
  ): Promise<void> {
    const { clock } = this.ports;
    const interval = release.policy.pollIntervalMs;
    if (!cmd.final) {
      const recorded = Math.max(
        ...cmd.targets.map((t) => release.targets.get(t.cohort)?.lastObservation?.at ?? -Infinity),
      );
      // After a restart, the last recorded observation stands in for the last poll.
      const last = this.lastPoll.get(release.id) ?? recorded;
      const nextPoll = last + interval;
      const firstEnd = Math.min(...Object.values(cmd.bakeEndsAt));
      const wakeAt = Math.min(nextPoll, firstEnd);
      // Never more than one interval: times recorded by a machine whose clock ran ahead of
      // ours (or a clock stepped back) must not leave the bake unwatched until ours catches up.
      const waitMs = Math.min(wakeAt - clock.now(), interval);
      if (waitMs > 0) await clock.sleep(waitMs, this.options.signal);
    }
    // One read for the whole wave: one API call, one consistent moment.
    const names = [...new Set(cmd.targets.flatMap((t) => t.alarmNames))];
    // The cadence is anchored where each read starts, so a slow API does not stretch the
    // interval: an alarm is seen at most one poll interval (plus one read) after it fires.
    this.lastPoll.set(release.id, clock.now());
    const obs = await this.readAlarms(names);
    const now = clock.now();
    let seq = lastSeq;
    for (const t of cmd.targets) {
      const ts = release.targets.get(t.cohort);
      const readings = obs.readings.filter((r) => t.alarmNames.includes(r.name));
      const end = cmd.bakeEndsAt[t.cohort] ?? now;
      this.emit({
        kind: "bake",
        release: release.id,
        wave: ts?.wave ?? 0,
        cohort: t.cohort,
        msLeft: end - now,
        alarms: readings,
      });
      // Final only when the read itself started at or after the end of the bake.
      const final = obs.takenAt >= end;
      const changed =
        obs.error !== undefined ||
        !sameReadings(ts?.lastObservation?.readings, readings) ||
        ts?.lastObservation?.error !== undefined;
      if (!final && !changed) continue;
      const rec = await this.append(
        {
          type: "observed",
          release: release.id,
          cohort: t.cohort,
          phase: "bake",
          final,
          readings,
          ...(obs.error !== undefined ? { error: obs.error } : {}),
          takenAt: obs.takenAt,
        },
        seq,
      );
      if (!rec) return;
      seq = rec.seq;
    }
  }

  /**
   * After a cohort's update returned: what to watch before its bake starts, from the stack's
   * `deployment` output (read with the gate's retries). The edge stack has none. Outputs that
   * cannot be read leave it unknown whether the new version serves: recorded, and the release
   * fails there (machine.ts `decideDeployment`).
   */
  private async deploymentOfUpdate(
    t: PlannedTarget,
    log: (line: string) => void,
  ): Promise<DeploymentOfUpdate> {
    if (t.edge) return {};
    try {
      const outputs = await withRetries(() => this.ports.driver.outputs(t.stack), this.retry());
      return deploymentFromOutputs(outputs, t.cohort);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      log(`could not read the outputs of ${t.stack} to watch its deployment: ${why}`);
      return {
        deploymentUnknown: `the outputs of ${t.stack} could not be read after its update (${why}), so whether the new version serves is unknown`,
      };
    }
  }

  private retry() {
    return {
      attempts: this.options.gateAttempts,
      backoffMs: this.options.gateBackoffMs,
      clock: this.ports.clock,
      ...(this.options.signal ? { signal: this.options.signal } : {}),
    };
  }

  /**
   * The cohort's update returned; its new version does not serve yet. Check the deployment at
   * most once a poll interval and record what changed: the bake's clock starts at the check
   * that saw it serving (machine.ts), a failure or a rollback fails the release. A check that
   * keeps failing records nothing: the deployment timeout then fails the release (fails closed).
   */
  private async awaitServing(
    cmd: Extract<Command, { kind: "await-serving" }>,
    release: ReleaseState,
    lastSeq: number,
  ): Promise<void> {
    const { clock } = this.ports;
    const t = cmd.target;
    const key = `${release.id}/${t.cohort}`;
    const interval = release.policy.pollIntervalMs;
    const last = this.lastDeploymentCheck.get(key);
    if (last !== undefined) {
      // Never more than one interval, and never past the deadline: the timeout is decided then.
      const ms = Math.min(last + interval, cmd.until) - clock.now();
      if (ms > 0) await clock.sleep(Math.min(ms, interval), this.options.signal);
    }
    this.lastDeploymentCheck.set(key, clock.now());
    const log = (line: string): void =>
      this.emit({ kind: "log", release: release.id, cohort: t.cohort, line });
    let status: DeploymentStatus;
    try {
      status = await checkDeployment(this.ports.deployments, cmd.deployment, this.retry());
    } catch (err) {
      if (this.options.signal?.aborted) throw err;
      const why = err instanceof Error ? err.message : String(err);
      log(`could not check the deployment of ${describeRef(cmd.deployment)}: ${why}`);
      // Before the deadline: try again next poll. At the deadline, an unanswered check is
      // recorded, so the timeout fails the release (fails closed) rather than waiting forever.
      if (clock.now() < cmd.until) return;
      status = { state: "in-progress", reason: `the deployment could not be checked: ${why}` };
    }
    // Stamped after the check returned: the version served by then, perhaps not before.
    const observedAt = clock.now();
    const current = release.targets.get(t.cohort);
    // Progress is recorded when it changes, and always at the deadline (the timeout needs it).
    if (
      status.state === "in-progress" &&
      current?.deploymentProgress === status.reason &&
      observedAt < cmd.until
    )
      return;
    log(`deployment ${status.state}: ${status.reason}`);
    await this.appendFact(
      {
        type: "deployment-observed",
        release: release.id,
        cohort: t.cohort,
        state: status.state,
        reason: status.reason,
        observedAt,
      },
      lastSeq,
    );
  }

  /**
   * During a bake, each poll also checks the deployments of the baking cohorts that have one:
   * a platform that rolled the release back by itself (or a deployment that failed after it
   * served) is recorded, and the machine fails the release and reverts through the stack, so
   * the ledger never claims a version the cohort no longer runs. Errors here are logged only:
   * the alarms still gate the bake.
   */
  private async watchDeploymentsDuringBake(
    targets: PlannedTarget[],
    release: ReleaseState,
    lastSeq: number,
  ): Promise<void> {
    for (const pt of targets) {
      const t = release.targets.get(pt.cohort);
      if (!t?.deployment || t.servingAt === undefined || t.deploymentFailure) continue;
      let status: DeploymentStatus;
      try {
        status = await checkDeployment(this.ports.deployments, t.deployment, this.retry());
      } catch (err) {
        if (this.options.signal?.aborted) throw err;
        this.emit({
          kind: "log",
          release: release.id,
          cohort: pt.cohort,
          line: `could not check the deployment of ${describeRef(t.deployment)} during the bake: ${err instanceof Error ? err.message : String(err)}`,
        });
        continue;
      }
      if (status.state !== "failed" && status.state !== "rolled-back") continue;
      await this.appendFact(
        {
          type: "deployment-observed",
          release: release.id,
          cohort: pt.cohort,
          state: status.state,
          reason: status.reason,
          observedAt: this.ports.clock.now(),
        },
        lastSeq,
      );
      // One failure ends the bake of the release; the machine reverts from here.
      return;
    }
  }

  private async revertTarget(
    cmd: Extract<Command, { kind: "revert" }>,
    release: ReleaseState,
    lastSeq: number,
  ): Promise<void> {
    const { driver } = this.ports;
    const t = cmd.target;
    const log = (line: string): void =>
      this.emit({ kind: "log", release: release.id, cohort: t.cohort, line });
    const recover =
      this.options.recoverCommand?.(t, release.id) ?? `cohort-rollout revert --cohort ${t.cohort}`;
    let result;
    if (!cmd.to) {
      result = {
        ok: false,
        error: `no previous good update of ${t.stack} is known; the stack was never deployed successfully before this release`,
      };
    } else {
      // Refresh when the release's update was cut off, or when this revert was started by an
      // earlier process (it may have died mid-revert, leaving pending operations).
      const key = `${release.id}/${t.cohort}`;
      if (cmd.refreshFirst || !this.revertsStartedHere.has(key)) {
        const r = await driver.refresh(t.stack, log);
        if (!r.ok) log(`refresh before revert failed (${r.error ?? "unknown"}); reverting anyway`);
      }
      result = await driver.revert(t.stack, cmd.to, log);
    }
    if (result.ok) {
      await this.appendFact(
        {
          type: "reverted",
          release: release.id,
          cohort: t.cohort,
          updateVersion: result.updateVersion,
          manual: false,
        },
        lastSeq,
      );
    } else {
      await this.appendFact(
        {
          type: "revert-failed",
          release: release.id,
          cohort: t.cohort,
          reason: `${result.error ?? "unknown error"} (stack ${t.stack}; it may be on release ${release.id}; last good pin config: ${JSON.stringify(cmd.to?.config ?? {})})`,
          recoverCommand: recover,
          manual: false,
        },
        lastSeq,
      );
    }
  }
}

function waveOf(cmd: Command, release: ReleaseState): number | undefined {
  if (cmd.kind === "apply") return cmd.wave;
  if (cmd.kind === "precheck") return release.targets.get(cmd.target.cohort)?.wave;
  return undefined;
}
