/**
 * The train controller: one per environment, under the ledger's lease. Each step folds the
 * records appended since the last one onto its state (or onto a snapshot, when it starts),
 * asks the scheduler (core/train/scheduler.ts) what to do, appends one decision at a time
 * (conditional on the ledger's next sequence number, so a second controller that somehow
 * got in would lose the race rather than act twice) and runs cohort actions — updates,
 * gate reads, reverts — concurrently, one per release and cohort, without waiting for a long
 * update before deciding about the other cohorts.
 *
 * Like the runner it keeps nothing a crash could lose: a controller killed mid-update is
 * taken over by another once the lease expires, which finds the `applying` with no outcome,
 * refreshes the stack and applies again.
 *
 * Fencing: every append this controller makes carries its lease (owner and epoch), and the
 * ledger refuses it atomically with the write once another controller has taken the lease
 * over. A controller that paused past its lease (a GC pause, SIGSTOP, a slow update) so
 * cannot record what its update did after the fact: it stops (`lease-lost`) and the new
 * holder's recovery re-reads the stack and decides the cohort's version.
 *
 * The bake watches the new version (issue #11, as the runner): after a cohort's update returns,
 * the stack's `deployment` output says what to watch, and the deployment watcher's checks are
 * recorded as the runner records them (`deployment-observed`, deployment-watch.ts); the
 * scheduler starts the bake when the new version serves (core/deployment.ts). The serving
 * deployment stays watched through the bake and the observation window after it.
 *
 * An operator interrupt (the signal: Ctrl-C on `run`) is not a release failure: no new work
 * starts, running updates are cancelled the way pulumi cancels on Ctrl-C, and one cut short is
 * left `applying` with no outcome, for the next controller to re-read and resume.
 */
import { parseEvent, type RolloutEvent } from "../core/events.js";
import { watchedDuringBake } from "../core/deployment.js";
import { bakeDeploymentToRecord, servingCheckToRecord } from "../core/observations.js";
import {
  type AlarmReading,
  type Clock,
  type DeploymentWatcher,
  type HealthGate,
  type LeaseFence,
  LeaseLostError,
  type Ledger,
  LedgerConflictError,
  type LedgerRecord,
  type Release,
  type StackDriver,
} from "../core/ports.js";
import type { RetryOptions } from "../core/retry.js";
import { type SnapshotStore, restoreSnapshot, snapshotOf } from "../core/train/compaction.js";
import {
  type TrainAction,
  type TrainDecisions,
  actionKey,
  decideTrain,
  nextWake,
} from "../core/train/scheduler.js";
import {
  type TrainOutcome,
  type TrainRelease,
  type TrainState,
  applyTrain,
  emptyTrainState,
  liveReleases,
} from "../core/train/state.js";
import { awaitServing, checkDuringBake, deploymentOfUpdate } from "./deployment-watch.js";

/** A ledger that can return only the records after a sequence number (cheap for a long ledger). */
export interface TailLedger {
  readAfter(seq: number): Promise<LedgerRecord<unknown>[]>;
}

export interface TrainPorts {
  driver: StackDriver;
  gate: HealthGate;
  ledger: Ledger<unknown> & Partial<TailLedger>;
  clock: Clock;
  snapshots?: SnapshotStore;
  log?: (line: string) => void;
  /**
   * Watches deployments named by cohort stacks' `deployment` outputs (ECS), so a bake starts
   * when the new version serves. Optional: a stack that names a deployment while no watcher is
   * configured fails the release there (fails closed), never bakes from the update's return.
   */
  deployments?: DeploymentWatcher;
}

export interface TrainControllerOptions {
  /** Who holds the lease (host:pid). */
  owner: string;
  leaseTtlMs: number;
  gateAttempts: number;
  gateBackoffMs: number;
  /** Save a snapshot after this many records folded since the last one. */
  snapshotEvery: number;
  /** Stop when no release is live (`deploy`, tests); otherwise run until the signal aborts. */
  stopWhenIdle: boolean;
  /**
   * Stop (outcome `done`) once this holds and no cohort action is running, so nothing is cut
   * short: `deploy` stops when its own release has finished or waits for a human.
   */
  until?: (s: TrainState, finished: ReadonlyMap<string, TrainOutcome>) => boolean;
  signal?: AbortSignal;
  /** Builds the command an operator runs when a revert fails. */
  recoverCommand?: (stack: string) => string;
}

export const DEFAULT_TRAIN_OPTIONS: Omit<TrainControllerOptions, "owner"> = {
  leaseTtlMs: 120_000,
  gateAttempts: 4,
  gateBackoffMs: 1_000,
  snapshotEvery: 500,
  stopWhenIdle: true,
};

export type TrainRunOutcome =
  "idle" | "done" | "needs-human" | "lease-held" | "lease-lost" | "interrupted";

export interface TrainRunResult {
  outcome: TrainRunOutcome;
  reason: string;
  state: TrainState;
  decisions?: TrainDecisions;
}

interface Running {
  abort: AbortController;
  done: Promise<void>;
}

/**
 * Why the controller itself cancels its running actions (an operator interrupt, a lost lease),
 * as opposed to a release that is stopping: an update it cuts short is not the release's
 * fault and is recorded nowhere (its `applying` stays open for the next controller).
 */
class ControllerStopping extends Error {}

/** How many times per TTL a running controller renews its lease. */
const RENEWALS_PER_TTL = 4;

function isLeaseLost(err: unknown): err is LeaseLostError {
  return (
    err instanceof LeaseLostError || (err as { code?: string } | undefined)?.code === "LEASE_LOST"
  );
}

function isConflict(err: unknown): err is { actualNext?: number } {
  return (
    err instanceof LedgerConflictError || (err as { code?: string }).code === "LEDGER_CONFLICT"
  );
}

export class TrainController {
  state: TrainState = emptyTrainState();
  private loaded = false;
  private foldedSinceSnapshot = 0;
  private readonly running = new Map<string, Running>();
  /** Set when a cohort action threw: the loop stops with it (a crash, not a decision). */
  private crashed?: unknown;
  private readonly options: TrainControllerOptions;
  /** Wakes the loop when a cohort action finishes. */
  private wake?: AbortController;
  /** Cohort actions finished so far (the loop never sleeps past one it did not see). */
  private completions = 0;
  /** Releases whose `train-finished` this controller folded, with their outcome. */
  readonly finished = new Map<string, TrainOutcome>();
  /** The lease this run holds: every append carries it (undefined: not running, or no fencing). */
  private fence?: LeaseFence;
  /** When this run last acquired or renewed its lease (clock ms). */
  private renewedAt = 0;

  constructor(
    private readonly ports: TrainPorts,
    options: Partial<TrainControllerOptions> & { owner: string },
  ) {
    this.options = { ...DEFAULT_TRAIN_OPTIONS, ...options };
  }

  private log(line: string): void {
    this.ports.log?.(line);
  }

  /** Folds what was appended since the last call (from the snapshot, the first time). */
  async refresh(): Promise<TrainState> {
    if (!this.loaded) {
      const snap = await this.ports.snapshots?.load();
      if (snap) this.state = restoreSnapshot(snap);
      this.loaded = true;
    }
    const after = this.state.lastSeq;
    const raw = this.ports.ledger.readAfter
      ? await this.ports.ledger.readAfter(after)
      : (await this.ports.ledger.read()).filter((r) => r.seq > after);
    for (const r of raw) {
      if (r.seq <= this.state.lastSeq) continue;
      let event: RolloutEvent;
      try {
        event = parseEvent(r.event);
      } catch (err) {
        throw new Error(
          `ledger record #${String(r.seq)} is not a valid rollout event: ${(err as Error).message}`,
        );
      }
      applyTrain(this.state, { seq: r.seq, at: r.at, event });
      if (event.type === "train-finished") this.finished.set(event.release, event.outcome);
      this.foldedSinceSnapshot += 1;
    }
    return this.state;
  }

  /** Appends a decision at the next sequence number; false when another writer got there first. */
  private async appendDecision(event: RolloutEvent): Promise<boolean> {
    try {
      await this.ports.ledger.append(event, this.state.lastSeq + 1, this.fence);
      this.log(
        `#${String(this.state.lastSeq + 1)} ${event.type} ${event.release}${"cohort" in event ? `/${event.cohort}` : ""}`,
      );
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }

  /**
   * Appends what happened (true whatever was appended meanwhile): retried at the ledger's end,
   * but never past a lost lease (LeaseLostError propagates: the controller stops).
   */
  private async appendFact(event: RolloutEvent): Promise<void> {
    let next = this.state.lastSeq + 1;
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        await this.ports.ledger.append(event, next, this.fence);
        return;
      } catch (err) {
        if (!isConflict(err)) throw err;
        next =
          typeof err.actualNext === "number"
            ? err.actualNext
            : ((await this.ports.ledger.read()).at(-1)?.seq ?? 0) + 1;
      }
    }
    throw new Error(`could not record ${event.type} of ${event.release}: the ledger keeps moving`);
  }

  private async readGate(names: string[]): Promise<{ readings: AlarmReading[]; error?: string }> {
    let delay = this.options.gateBackoffMs;
    let last = "";
    for (let i = 0; i < this.options.gateAttempts; i++) {
      try {
        return { readings: await this.ports.gate.read(names) };
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
        if (i + 1 < this.options.gateAttempts) await this.ports.clock.sleep(delay);
        delay *= 2;
      }
    }
    return {
      readings: [],
      error: `reading alarms failed after ${String(this.options.gateAttempts)} attempts: ${last}`,
    };
  }

  /**
   * The gate's retries for a deployment check or an outputs read.
   * @param signal cuts backoffs short (absent: the read must finish, e.g. before an `applied`)
   */
  private retry(signal?: AbortSignal): RetryOptions {
    return {
      attempts: this.options.gateAttempts,
      backoffMs: this.options.gateBackoffMs,
      clock: this.ports.clock,
      ...(signal ? { signal } : {}),
    };
  }

  /** The release a stack is given: the train release's changes on top of what the cohort runs. */
  private async releaseFor(r: TrainRelease, stack: string): Promise<Release | string> {
    const pin = await this.ports.driver.readPin(stack);
    const version = r.spec.version ?? pin?.version;
    if (version === undefined)
      return `${r.id} changes configuration only, and ${stack} has no version to keep`;
    return { id: r.id, version, config: { ...(pin?.config ?? {}), ...r.spec.config } };
  }

  private async execute(
    a: Exclude<TrainAction, { kind: "record" }>,
    signal: AbortSignal,
  ): Promise<void> {
    const { driver, clock } = this.ports;
    const stack = a.cohort.stack;
    const cohort = a.cohort.cohort;
    const release = a.release;
    switch (a.kind) {
      case "apply": {
        const r = this.state.releases.get(release);
        if (!r) return;
        if (a.interrupted) await driver.refresh(stack);
        const previous = r.targets.get(cohort)?.previous ?? (await driver.lastGoodUpdate(stack));
        // A decision, not a fact: appended only at the ledger's end as this controller saw it,
        // so an update never starts on a state another writer has moved on from.
        const ok = await this.appendDecision({
          type: "applying",
          release,
          cohort,
          stack,
          previous,
          attempt: a.attempt,
        });
        if (!ok) return;
        const rel = await this.releaseFor(r, stack);
        if (typeof rel === "string") {
          await this.appendFact({ type: "failed", release, cohort, cause: "update", reason: rel });
          return;
        }
        // Stopped before the update began (a listener added now would never fire): leave the
        // `applying` open; the next controller refreshes the stack and applies.
        if (signal.aborted && signal.reason instanceof ControllerStopping) return;
        const res = await driver.apply(stack, rel, undefined, signal);
        if (res.ok) {
          // What to watch before the bake may start (no signal: the update is done, and its
          // `applied` must be recorded with it rather than left for a refresh to find).
          const watch = await deploymentOfUpdate(driver, stack, cohort, this.retry(), (l) =>
            this.log(`${release}/${cohort}: ${l}`),
          );
          await this.appendFact({
            type: "applied",
            release,
            cohort,
            updateVersion: res.updateVersion,
            recovered: false,
            ...watch,
          });
          return;
        }
        // Cut short because this controller stops (Ctrl-C, a lost lease): not the release's
        // fault. Nothing is recorded: the `applying` stays open, and the next controller
        // refreshes the stack and finds out what the update did (as the runner's `resume`).
        if (signal.aborted && signal.reason instanceof ControllerStopping) return;
        const cancelled = signal.aborted;
        await this.appendFact({
          type: "failed",
          release,
          cohort,
          cause: cancelled ? "cancelled" : "update",
          reason: `update of ${stack} ${cancelled ? "cancelled" : "failed"}: ${res.error ?? "unknown error"}`,
        });
        return;
      }
      case "await-serving": {
        const r = this.state.releases.get(release);
        const t = r?.targets.get(cohort);
        if (!r || !t) return;
        try {
          await awaitServing({
            watcher: this.ports.deployments,
            deployment: a.deployment,
            until: a.until,
            pollIntervalMs: r.policy.pollIntervalMs,
            clock,
            retry: this.retry(signal),
            log: (l) => this.log(`${release}/${cohort}: ${l}`),
            toRecord: (check, checkedAt) =>
              servingCheckToRecord(r, { cohort }, check, checkedAt, a.until),
            record: (event) => this.appendFact(event),
          });
        } catch (err) {
          // Stopping (an interrupt, a lost lease, the release failing elsewhere): nothing to
          // record; the next step (or controller) checks the deployment again.
          if (signal.aborted) return;
          throw err;
        }
        return;
      }
      case "observe": {
        const t = this.state.releases.get(release)?.targets.get(cohort);
        if (t?.deployment && watchedDuringBake(t)) {
          // In the bake and the observation window alike: a platform that rolled the release
          // back by itself (or a deployment that failed after it served) is recorded; the
          // scheduler fails the cohort and reverts it, never settles on the version before.
          const status = await checkDuringBake(
            this.ports.deployments,
            t.deployment,
            this.retry(signal),
            (l) => this.log(`${release}/${cohort}: ${l}`),
            a.phase === "bake" ? "the bake" : "the observation window",
          ).catch((err: unknown) => {
            if (signal.aborted) return undefined;
            throw err;
          });
          const event =
            status && bakeDeploymentToRecord({ id: release }, cohort, status, clock.now());
          if (event) {
            await this.appendFact(event);
            return;
          }
          if (signal.aborted) return;
        }
        const takenAt = clock.now();
        const { readings, error } = await this.readGate(a.cohort.alarmNames);
        await this.appendFact({
          type: "observed",
          release,
          cohort,
          phase: "bake",
          final: false,
          readings: readings.map((x) => ({
            name: x.name,
            exists: x.exists,
            state: x.state,
            ...(x.reason !== undefined ? { reason: x.reason } : {}),
          })),
          ...(error !== undefined ? { error } : {}),
          takenAt,
        });
        return;
      }
      case "revert": {
        const recover =
          this.options.recoverCommand?.(stack) ?? `pulumi stack history --stack ${stack}`;
        if (!a.to) {
          await this.appendFact({
            type: "revert-failed",
            release,
            cohort,
            reason: `no earlier update of ${stack} to return to`,
            recoverCommand: recover,
            manual: false,
          });
          return;
        }
        if (a.refreshFirst) await driver.refresh(stack);
        const res = await driver.revert(stack, a.to);
        await this.appendFact(
          res.ok
            ? { type: "reverted", release, cohort, updateVersion: res.updateVersion, manual: false }
            : {
                type: "revert-failed",
                release,
                cohort,
                reason: res.error ?? "revert failed",
                recoverCommand: recover,
                manual: false,
              },
        );
        return;
      }
    }
  }

  private launch(a: Exclude<TrainAction, { kind: "record" }>): void {
    const key = actionKey(a);
    if (this.running.has(key)) return;
    const abort = new AbortController();
    const done = this.execute(a, abort.signal)
      .catch((err: unknown) => {
        this.crashed ??= err;
      })
      .finally(() => {
        this.running.delete(key);
        this.completions += 1;
        this.wake?.abort();
      });
    this.running.set(key, { abort, done });
  }

  /** Cancels running updates of releases that are stopping: their revert follows. */
  private cancelStopping(): void {
    for (const r of liveReleases(this.state)) {
      if (!r.failure && r.abortRequested === undefined) continue;
      for (const cohort of r.targets.keys())
        this.running.get(`${r.id}/${cohort}`)?.abort.abort(new Error(`${r.id} is stopping`));
    }
  }

  /** One decision round: fold, decide, append one decision or launch the cohort actions. */
  async step(): Promise<TrainDecisions> {
    await this.refresh();
    this.cancelStopping();
    const d = decideTrain(this.state, this.ports.clock.now());
    const rec = d.actions.find((a) => a.kind === "record");
    if (rec?.kind === "record") {
      await this.appendDecision(rec.event);
      return d;
    }
    for (const a of d.actions) if (a.kind !== "record") this.launch(a);
    return d;
  }

  /** Saves a snapshot every `snapshotEvery` records, and (`atStop`) whenever it stops on its own. */
  private async maybeSnapshot(atStop = false): Promise<void> {
    const due = atStop ? 1 : this.options.snapshotEvery;
    if (!this.ports.snapshots || this.foldedSinceSnapshot < due) return;
    await this.ports.snapshots.save(snapshotOf(this.state));
    this.foldedSinceSnapshot = 0;
  }

  /**
   * Starts nothing more and cancels the running actions (an update through its AbortSignal,
   * which makes pulumi stop as on Ctrl-C: operations in flight finish, the checkpoint is
   * written), then waits for them.
   * @param why why the controller stops
   */
  private async stopAll(why: string): Promise<void> {
    const running = [...this.running.entries()];
    for (const [, r] of running) r.abort.abort(new ControllerStopping(why));
    // Logged once every cancel has been sent (an operator, or a test, can rely on that).
    if (running.length > 0)
      this.log(`stopping (${why}): cancelled ${running.map(([key]) => key).join(", ")}`);
    await Promise.all(running.map(([, r]) => r.done));
  }

  /** The result of a run whose lease another controller took over. */
  private async leaseLost(detail: string): Promise<TrainRunResult> {
    await this.stopAll("the lease was lost");
    return {
      outcome: "lease-lost",
      reason:
        `another controller took the lease over (${detail}); this one recorded nothing more, ` +
        "and the holder re-reads any update it left without an outcome",
      state: this.state,
    };
  }

  /** Runs the environment's train under the lease until idle, a human is needed, or the signal. */
  async run(): Promise<TrainRunResult> {
    const { ledger } = this.ports;
    const { owner, leaseTtlMs } = this.options;
    const lease = await ledger.acquireLease(owner, leaseTtlMs);
    if (!lease.acquired)
      return {
        outcome: "lease-held",
        reason: `another controller (${lease.lease.owner}) drives this environment until ${new Date(lease.lease.expiresAt).toISOString()}`,
        state: this.state,
      };
    // A ledger that gives no epoch does not fence (appends then go unfenced, as before).
    const epoch = lease.lease.epoch;
    this.fence = epoch !== undefined ? { owner, epoch } : undefined;
    this.renewedAt = this.ports.clock.now();
    try {
      return await this.loop();
    } catch (err) {
      // An append refused by the fence, from the loop or from a cohort action.
      if (isLeaseLost(err)) return await this.leaseLost(err.message);
      throw err;
    } finally {
      this.fence = undefined;
      await ledger.releaseLease(owner).catch(() => undefined);
    }
  }

  /** The decision loop of a run, while the lease is held (run() acquires and releases it). */
  private async loop(): Promise<TrainRunResult> {
    const { ledger, clock } = this.ports;
    const { owner, leaseTtlMs, signal } = this.options;
    for (;;) {
      if (this.crashed)
        throw this.crashed instanceof Error
          ? this.crashed
          : new Error("a cohort action failed", { cause: this.crashed });
      if (signal?.aborted) {
        const why: unknown = signal.reason;
        const reason = why instanceof Error ? why.message : "interrupted";
        await this.stopAll(reason);
        // An action that finished meanwhile may have been refused by the fence.
        if (isLeaseLost(this.crashed)) throw this.crashed;
        return { outcome: "interrupted", reason, state: this.state };
      }
      // Renewed a few times per TTL, not at every step: each renewal is a write (a lock and a
      // file, or a DynamoDB item), and a step can be very frequent. A lost lease is still seen
      // at once by the next append, which the ledger fences.
      if (clock.now() - this.renewedAt >= leaseTtlMs / RENEWALS_PER_TTL) {
        if (!(await ledger.renewLease(owner, leaseTtlMs, this.fence?.epoch)))
          return await this.leaseLost("its renewal was refused");
        this.renewedAt = clock.now();
      }
      const seen = this.completions;
      const d = await this.step();
      await this.maybeSnapshot();
      if (d.actions.some((a) => a.kind === "record")) continue;
      if (this.running.size === 0) {
        if (this.options.until?.(this.state, this.finished)) {
          await this.maybeSnapshot(true);
          return { outcome: "done", reason: "done", state: this.state, decisions: d };
        }
        if (this.state.order.length === 0 && this.options.stopWhenIdle) {
          await this.maybeSnapshot(true);
          return {
            outcome: "idle",
            reason: "no release in the train",
            state: this.state,
            decisions: d,
          };
        }
        if (
          d.actions.length === 0 &&
          d.waits.length > 0 &&
          d.waits.every(
            (w) => w.waitingFor === "human" || (w.until === undefined && w.waitingFor !== "update"),
          ) &&
          this.options.stopWhenIdle
        ) {
          await this.maybeSnapshot(true);
          return {
            outcome: "needs-human",
            reason: d.waits.map((w) => `${w.release}: ${w.reason}`).join("; "),
            state: this.state,
            decisions: d,
          };
        }
      }
      if (d.actions.some((a) => a.kind === "observe" && !this.running.has(actionKey(a)))) continue;
      // An action finished after the step looked: decide again before sleeping.
      if (this.completions !== seen) continue;
      const now = clock.now();
      // New submissions and human decisions are noticed within a poll interval.
      const polls = liveReleases(this.state).map((r) => r.policy.pollIntervalMs);
      const poll = polls.length > 0 ? Math.min(...polls) : 30_000;
      const wake = Math.min(nextWake(d) ?? now + poll, now + poll);
      this.wake = new AbortController();
      // An operator interrupt wakes the loop too: it stops at once, not after a poll.
      const woken = signal ? AbortSignal.any([this.wake.signal, signal]) : this.wake.signal;
      await clock.sleep(Math.max(0, wake - now), woken).catch(() => undefined);
    }
  }
}
