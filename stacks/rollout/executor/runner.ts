/**
 * The runner: fold the ledger, ask the machine what to do, do it through the
 * ports, append the outcome, repeat. It holds no state of its own that a
 * crash could lose — every step starts from the ledger — so a process killed
 * at any point is continued by running it again.
 *
 * No Pulumi or AWS imports: drivers, gates, ledgers and clocks are ports, so
 * tests and the rehearsal drive the same code on a virtual clock.
 */
import { describeChange } from "../core/data-loss.js";
import {
  type DeploymentOfUpdate,
  awaitServing,
  checkDuringBake,
  deploymentOfUpdate,
} from "./deployment-watch.js";
import type { PlannedTarget, RecordedReading, RolloutEvent } from "../core/events.js";
import { type Command, type Outcome, cancelsRunningUpdate, decide } from "../core/machine.js";
import {
  type AlarmRead,
  bakeDeploymentToRecord,
  bakeObservationsToRecord,
  precheckObservation,
  servingCheckToRecord,
} from "../core/observations.js";
import {
  type PreflightFacts,
  decidePreflight,
  reconcileInterrupted,
  updateOutcome,
} from "../core/preflight.js";
import type { ProgressListener } from "../core/progress.js";
import { type RetryOptions, retry } from "../core/retry.js";
import {
  type AlarmReading,
  type ApplyResult,
  type Clock,
  type DeploymentWatcher,
  type HealthGate,
  type Ledger,
  type LedgerRecord,
  type Release,
  type StackDriver,
} from "../core/ports.js";
import type { ReleaseState } from "../core/state.js";
import { LedgerWriter, readState } from "./writer.js";

export { readState };

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

function toRecorded(r: AlarmReading): RecordedReading {
  return {
    name: r.name,
    exists: r.exists,
    state: r.state,
    ...(r.reason !== undefined ? { reason: r.reason } : {}),
  };
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

function interrupted(release: string, signal: AbortSignal): RunResult {
  const why: unknown = signal.reason;
  const reason = why instanceof Error ? why.message : typeof why === "string" ? why : "interrupted";
  return { release, outcome: "interrupted", reason };
}

export class Runner {
  /** The cadence wait last announced, so a wait re-decided every poll is printed once. */
  private waitLogged?: string;
  private readonly options: RunnerOptions;
  /** Every append of this runner goes through the one writer (writer.ts). */
  readonly writer: LedgerWriter;

  constructor(
    private readonly ports: RunnerPorts,
    options: Partial<RunnerOptions> = {},
  ) {
    this.options = { ...DEFAULT_RUNNER_OPTIONS, ...options };
    this.writer = new LedgerWriter(ports.ledger, (u) => this.emit(u));
  }

  private emit(update: Parameters<ProgressListener>[0]): void {
    this.ports.progress?.(update);
  }

  /** Appends at the next sequence number; a conflict means another writer (pause/abort) got in first. */
  private append(event: RolloutEvent, lastSeq: number): Promise<LedgerRecord<unknown> | undefined> {
    return this.writer.append(event, lastSeq);
  }

  /** Appends a fact (an outcome on a stack), re-reading on a conflict (writer.ts `appendFact`). */
  private appendFact(event: RolloutEvent, lastSeq: number): Promise<LedgerRecord<unknown>> {
    return this.writer.appendFact(event, lastSeq);
  }

  /** Runs one release until it stops (completed, failed, aborted, paused, blocked, stuck). */
  async run(releaseId: string): Promise<RunResult> {
    let lastWave = -1;
    for (;;) {
      const { signal } = this.options;
      if (signal?.aborted) return interrupted(releaseId, signal);
      const { state } = await this.writer.read();
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
        // The machine's follow-up runs only on the state it was decided for plus this record.
        if (rec && cmd.then) await this.execute(cmd.then, release, rec.seq);
        return;
      }
      case "precheck": {
        const read = await this.readAlarms(cmd.target.alarmNames);
        await this.append(precheckObservation(release, cmd.target, read), lastSeq);
        return;
      }
      case "apply":
        await this.applyTarget(cmd, release, lastSeq);
        return;
      case "observe":
        await this.observe(cmd, release, lastSeq);
        await this.watchDeploymentsDuringBake(cmd.watch, release, lastSeq);
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

  /**
   * Reads alarms with the gate's retries (core/retry.ts); after the last attempt the error is
   * recorded (fails closed). An operator interrupt during a backoff stops the step instead.
   */
  private async readAlarms(names: string[]): Promise<AlarmRead> {
    // The state CloudWatch returns is at least this recent, no more: stamp the read's start.
    let takenAt = this.ports.clock.now();
    const read = await retry(() => {
      takenAt = this.ports.clock.now();
      return this.ports.gate.read(names);
    }, this.retry());
    if (read.ok) return { readings: read.value.map(toRecorded), takenAt };
    if (read.stopped) throw this.options.signal?.reason ?? new Error("interrupted");
    return { readings: [], error: `${read.attempts} attempts: ${read.error}`, takenAt };
  }

  private async applyTarget(
    cmd: Extract<Command, { kind: "apply" }>,
    release: ReleaseState,
    lastSeq: number,
  ): Promise<void> {
    const { driver } = this.ports;
    const t = cmd.target;
    const spec = releaseFor(release.spec, t);
    if (!release.targets.has(t.cohort))
      throw new Error(`cohort ${t.cohort} is not planned in release ${release.id}`);
    const log = (line: string): void =>
      this.emit({ kind: "log", release: release.id, cohort: t.cohort, line });
    let seq = lastSeq;

    if (cmd.interrupted) {
      // The process stopped between `applying` and its outcome. Clear pending operations, then
      // gather what the stack shows; the machine decides whether the update finished.
      const refreshed = await driver.refresh(t.stack, log);
      if (!refreshed.ok)
        log(`refresh failed (${refreshed.error ?? "unknown"}); re-applying anyway`);
      const [pin, last] = await Promise.all([
        driver.readPin(t.stack),
        driver.lastGoodUpdate(t.stack),
      ]);
      const found = reconcileInterrupted(release, t, cmd.attempt, { pin, last });
      if (found.kind === "finished") {
        await this.appendFact({ ...found.event, ...(await this.deploymentOfUpdate(t, log)) }, seq);
        return;
      }
      const rec = await this.append(found.event, seq);
      if (!rec) return;
      seq = rec.seq;
    } else {
      const rec = await this.preflight(t, spec, release, log, seq);
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
   * Before a cohort's first attempt: gathers the facts the machine's preflight decides on (the
   * stack's last good update, then its preview, shown) and records the decision: `applying`,
   * or a refusal (`failed`). Returns the `applying` record, or undefined when the release
   * stops here (or another writer got in first).
   */
  private async preflight(
    t: PlannedTarget,
    spec: Release,
    release: ReleaseState,
    log: (line: string) => void,
    seq: number,
  ): Promise<LedgerRecord<unknown> | undefined> {
    const { driver } = this.ports;
    const facts: PreflightFacts = { previous: await driver.lastGoodUpdate(t.stack) };
    let decision = decidePreflight(release, t, facts);
    if (decision.kind === "preview") {
      try {
        const result = await driver.preview(t.stack, spec, log, this.options.signal);
        facts.preview = { ok: true, result };
        this.emit({
          kind: "preview",
          release: release.id,
          cohort: t.cohort,
          summary: result.summary,
          changes: result.changes.filter((c) => c.op !== "same").map(describeChange),
        });
      } catch (err) {
        // An operator interrupt: nothing was applied, `run` stops between steps.
        if (this.options.signal?.aborted) throw err;
        facts.preview = { ok: false, error: err instanceof Error ? err.message : String(err) };
      }
      decision = decidePreflight(release, t, facts);
    }
    if (decision.kind === "preview") throw new Error("preflight asked for a second preview");
    const rec = await this.append(decision.event, seq);
    return decision.kind === "apply" ? rec : undefined;
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
        const { state } = await this.writer.read();
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
    // When the machine says the next read is due (observations.ts `nextPollAt`).
    const waitMs = cmd.pollAt - clock.now();
    if (waitMs > 0) await clock.sleep(waitMs, this.options.signal);
    // One read for the whole wave: one API call, one consistent moment.
    const names = [...new Set(cmd.targets.flatMap((t) => t.alarmNames))];
    const read = await this.readAlarms(names);
    const now = clock.now();
    for (const t of cmd.targets) {
      const end = cmd.bakeEndsAt[t.cohort] ?? now;
      this.emit({
        kind: "bake",
        release: release.id,
        wave: release.targets.get(t.cohort)?.wave ?? 0,
        cohort: t.cohort,
        msLeft: end - now,
        alarms: read.readings.filter((r) => t.alarmNames.includes(r.name)),
      });
    }
    let seq = lastSeq;
    for (const event of bakeObservationsToRecord(release, cmd.targets, cmd.bakeEndsAt, read, now)) {
      const rec = await this.append(event, seq);
      if (!rec) return;
      seq = rec.seq;
    }
  }

  /**
   * After a cohort's update returned: what to watch before its bake starts (deployment-watch.ts).
   * The edge stack has none.
   */
  private async deploymentOfUpdate(
    t: PlannedTarget,
    log: (line: string) => void,
  ): Promise<DeploymentOfUpdate> {
    if (t.edge) return {};
    return deploymentOfUpdate(this.ports.driver, t.stack, t.cohort, this.retry(), log);
  }

  private retry(): RetryOptions {
    return {
      attempts: this.options.gateAttempts,
      backoffMs: this.options.gateBackoffMs,
      clock: this.ports.clock,
      ...(this.options.signal ? { signal: this.options.signal } : {}),
    };
  }

  /**
   * The cohort's update returned; its new version does not serve yet: one check of its
   * deployment, recorded when worth it, then at most a poll interval's sleep
   * (deployment-watch.ts `awaitServing`, shared with the train controller).
   */
  private async awaitServing(
    cmd: Extract<Command, { kind: "await-serving" }>,
    release: ReleaseState,
    lastSeq: number,
  ): Promise<void> {
    const t = cmd.target;
    await awaitServing({
      watcher: this.ports.deployments,
      deployment: cmd.deployment,
      until: cmd.until,
      pollIntervalMs: release.policy.pollIntervalMs,
      clock: this.ports.clock,
      retry: this.retry(),
      log: (line) => this.emit({ kind: "log", release: release.id, cohort: t.cohort, line }),
      toRecord: (check, checkedAt) => servingCheckToRecord(release, t, check, checkedAt, cmd.until),
      record: (event) => this.appendFact(event, lastSeq),
    });
  }

  /**
   * During a bake, each poll also checks the deployments the machine names (`watch`): the
   * baking cohorts' and those of every cohort whose bake passed. A platform that rolled the
   * release back by itself (or a deployment that failed after it served) is recorded, and the
   * machine fails the release and reverts through the stacks, so the ledger never claims a
   * version a cohort no longer runs. The checks run together, so a slow or retried one does not
   * hold the wave's next read back by one per cohort. Errors here are logged only: the alarms
   * still gate the bake.
   */
  private async watchDeploymentsDuringBake(
    watch: PlannedTarget[],
    release: ReleaseState,
    lastSeq: number,
  ): Promise<void> {
    const watched = watch.flatMap((pt) => {
      const t = release.targets.get(pt.cohort);
      return t?.deployment ? [{ cohort: pt.cohort, deployment: t.deployment, phase: t.phase }] : [];
    });
    const statuses = await Promise.all(
      watched.map((w) =>
        checkDuringBake(
          this.ports.deployments,
          w.deployment,
          this.retry(),
          (line) => this.emit({ kind: "log", release: release.id, cohort: w.cohort, line }),
          w.phase === "passed" ? "a later wave's bake" : "the bake",
        ),
      ),
    );
    const now = this.ports.clock.now();
    for (const [i, w] of watched.entries()) {
      const status = statuses[i];
      const event = status && bakeDeploymentToRecord(release, w.cohort, status, now);
      if (!event) continue;
      await this.appendFact(event, lastSeq);
      // One failure ends the bake of the release; the machine reverts from here.
      return;
    }
  }

  /** Returns one cohort's stack to `to`, refreshing first when told; the driver's answer. */
  private async revertStack(
    stack: string,
    to: Extract<Command, { kind: "revert" }>["to"],
    refreshFirst: boolean,
    log: (line: string) => void,
  ): Promise<{ ok: boolean; error?: string; updateVersion?: number }> {
    if (!to)
      return {
        ok: false,
        error: `no previous good update of ${stack} is known; the stack was never deployed successfully before this release`,
      };
    if (refreshFirst) {
      const r = await this.ports.driver.refresh(stack, log);
      if (!r.ok) log(`refresh before revert failed (${r.error ?? "unknown"}); reverting anyway`);
    }
    return this.ports.driver.revert(stack, to, log);
  }

  private async revertTarget(
    cmd: Extract<Command, { kind: "revert" }>,
    release: ReleaseState,
    lastSeq: number,
  ): Promise<void> {
    const t = cmd.target;
    const log = (line: string): void =>
      this.emit({ kind: "log", release: release.id, cohort: t.cohort, line });
    const recover =
      this.options.recoverCommand?.(t, release.id) ?? `cohort-rollout revert --cohort ${t.cohort}`;
    // The machine says when to refresh first: an update cut off, or a revert an earlier step
    // (or process) recorded and did not finish (machine.ts `decideRevert`).
    const result = await this.revertStack(t.stack, cmd.to, cmd.refreshFirst, log);
    if (result.ok) {
      await this.appendFact(
        {
          type: "reverted",
          release: release.id,
          cohort: t.cohort,
          updateVersion: result.updateVersion,
          manual: cmd.manual,
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
          manual: cmd.manual,
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
