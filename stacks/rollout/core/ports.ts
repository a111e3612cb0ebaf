/**
 * The rollout program's ports (docs/architecture.md, "Boundaries"). The decision logic and the
 * runner depend only on these interfaces; adapters (Pulumi Automation API,
 * CloudWatch, file/DynamoDB ledgers, real clock) and simulations (rehearsal,
 * tests) implement them.
 *
 * Owner: the rollout core. Changes must stay additive: several adapters and
 * the rehearsal implement these.
 */
import type {
  CohortOutput,
  DeploymentRef,
  EnvironmentOutput,
  Pin,
} from "../../../components/contract.js";

export type { CohortOutput, DeploymentRef, EnvironmentOutput, Pin };

/** A release: what is rolled out. `edgeConfig`, when present, changes the edge stack too. */
export interface Release {
  id: string;
  version: string;
  config: Record<string, string>;
  /** Config for the edge stack; when set, the edge stack is a wave of its own after every cohort. */
  edgeConfig?: Record<string, string>;
  /** Git commit of the program this release is deployed with, when it is not the current one. */
  programRevision?: string;
}

/** One recorded update of a stack (from `pulumi stack history`). */
export interface UpdateRecord {
  /**
   * The update's sequence number in the stack's history. File and other DIY backends record
   * 0 for every update: identify updates with update-identity.ts, never by this alone.
   */
  version: number;
  /** The release the update applied, from the driver's `--message` marker (absent: made by hand). */
  release?: string;
  result: "succeeded" | "failed" | "in-progress" | "not-started";
  /** The stack's config as it was for this update (plain values only). */
  config: Record<string, string>;
  /** The git commit the update was deployed from, when the update recorded it. */
  programRevision?: string;
  startTime?: string;
  endTime?: string;
}

export type ChangeOp = "create" | "update" | "delete" | "replace" | "same" | "read" | "refresh";

export interface PlannedChange {
  urn: string;
  type: string;
  op: ChangeOp;
}

export interface PreviewResult {
  changes: PlannedChange[];
  /** Counts per op, as the CLI summarises them. */
  summary: Partial<Record<ChangeOp, number>>;
}

export interface ApplyResult {
  ok: boolean;
  /** The update's history version, when the backend numbers updates (not file/DIY backends). */
  updateVersion?: number;
  /** A one-line reason when not ok (the CLI's error). */
  error?: string;
  /** The stack was locked by another update (ConcurrentUpdateError). */
  locked?: boolean;
}

export interface ProgressSink {
  (line: string): void;
}

/** Drives one Pulumi stack per call; never touches a stack it was not asked about. */
export interface StackDriver {
  /** The stack's current outputs (cohort outputs and/or environment). */
  outputs(stack: string): Promise<Record<string, unknown>>;
  /** The pin currently set in the stack's config (cohort stacks). */
  readPin(stack: string): Promise<Pin | undefined>;
  /** The most recent succeeded update, or undefined for a never-deployed stack. */
  lastGoodUpdate(stack: string): Promise<UpdateRecord | undefined>;
  /**
   * Preview applying `release` to the stack (config set, then preview). Throws when the
   * preview cannot run (the program fails on the release's config, an API error); `signal`
   * cuts a long preview short (an operator interrupt).
   */
  preview(
    stack: string,
    release: Release,
    onProgress?: ProgressSink,
    signal?: AbortSignal,
  ): Promise<PreviewResult>;
  /** Set the release's pin/config on the stack and run `up` on it alone. */
  apply(
    stack: string,
    release: Release,
    onProgress?: ProgressSink,
    signal?: AbortSignal,
  ): Promise<ApplyResult>;
  /** Return the stack to a previous update: its config and, if needed, its program revision. */
  revert(stack: string, to: UpdateRecord, onProgress?: ProgressSink): Promise<ApplyResult>;
  /** Refresh the stack, clearing pending operations left by an interrupted update. */
  refresh(stack: string, onProgress?: ProgressSink): Promise<ApplyResult>;
}

export type AlarmStateValue = "OK" | "ALARM" | "INSUFFICIENT_DATA";

export interface AlarmReading {
  name: string;
  /** False when CloudWatch has no alarm of that name (fails closed). */
  exists: boolean;
  state?: AlarmStateValue;
  reason?: string;
  /** When the state last changed, epoch ms. */
  updatedAt?: number;
  kind?: "metric" | "composite";
  periodSeconds?: number;
  evaluationPeriods?: number;
  datapointsToAlarm?: number;
}

/** Reads alarm states. Throws on API errors; the caller retries and then fails closed. */
export interface HealthGate {
  read(alarmNames: string[]): Promise<AlarmReading[]>;
}

/**
 * What a cohort's deployment looks like now. `serving`: the version the stack deployed is the
 * one that serves, and nothing else does (ECS: its deployment is PRIMARY, rolloutState
 * COMPLETED, the old tasks drained). `failed`: the platform gave up on it (ECS: rolloutState
 * FAILED, e.g. the circuit breaker or a deployment alarm). `rolled-back`: another version is
 * primary again without this rollout asking (ECS's own rollback, or someone else's update).
 */
export interface DeploymentStatus {
  state: "in-progress" | "serving" | "failed" | "rolled-back";
  /** One line for the ledger and the operator, with the platform's own reason when it gave one. */
  reason: string;
}

/**
 * Watches a cohort's deployment, named by its stack's `deployment` output (contract.ts). Throws
 * on API errors (the caller retries; an unanswered deployment times out, which fails closed)
 * and on a reference of a platform it does not watch.
 */
export interface DeploymentWatcher {
  check(ref: DeploymentRef): Promise<DeploymentStatus>;
}

/** One ledger entry as stored: the event plus its position and time. */
export interface LedgerRecord<E = unknown> {
  seq: number;
  at: number;
  event: E;
}

export interface Lease {
  owner: string;
  /** Epoch ms after which another process may take the lease over. */
  expiresAt: number;
  /**
   * The fencing token: incremented on every acquisition and takeover (never reused, even after
   * a release), so a holder that paused past its expiry carries an epoch no longer current.
   * Absent from ledgers that do not fence.
   */
  epoch?: number;
}

/** What an append made under a lease carries: it lands only if this is still the lease. */
export interface LeaseFence {
  owner: string;
  epoch: number;
}

/**
 * Thrown by a fenced `Ledger.append` when the lease is no longer the appender's (another
 * process took it over, or it was released): nothing was written.
 */
export class LeaseLostError extends Error {
  readonly code = "LEASE_LOST";
  /**
   * @param fence the lease the append was made under
   * @param holder who holds the lease now (undefined: nobody)
   */
  constructor(
    readonly fence: LeaseFence,
    readonly holder: { owner: string; epoch?: number } | undefined,
  ) {
    super(
      `lease lost: ${fence.owner} appended under lease epoch ${String(fence.epoch)}, but ` +
        (holder
          ? `${holder.owner} holds it now (epoch ${String(holder.epoch ?? "?")})`
          : "nobody holds it now"),
    );
    this.name = "LeaseLostError";
  }
}

/**
 * Durable, append-only event record for one environment. `append` is durable
 * when it resolves (fsync / conditional write) and fails if `expectedSeq` is
 * not the next sequence number (another writer got there first).
 */
export interface Ledger<E = unknown> {
  read(): Promise<LedgerRecord<E>[]>;
  /**
   * Appends at `expectedSeq`. With `fence`, atomically with the write: only while the lease
   * is still `fence.owner`'s at `fence.epoch`, else LeaseLostError and nothing written.
   *
   * Only a train controller fences: its appends are facts and decisions that are true only
   * while it holds the environment. Operators' appends (submit, abort, approve, unhold,
   * pause) are not fenced, because they hold no lease and need none: they are a human's
   * decision, valid whoever drives the environment, ordered by `expectedSeq` alone and read
   * by whichever controller holds the lease next. The single-release runner keeps its
   * unfenced appends too (its lease is renewed and checked between steps, as before).
   */
  append(event: E, expectedSeq: number, fence?: LeaseFence): Promise<LedgerRecord<E>>;
  /** Take the lease for `owner`, or return the current holder's lease if someone else holds it. */
  acquireLease(owner: string, ttlMs: number): Promise<{ acquired: boolean; lease: Lease }>;
  /** Extends `owner`'s lease; with `epoch`, only if it is still that acquisition's. */
  renewLease(owner: string, ttlMs: number, epoch?: number): Promise<boolean>;
  releaseLease(owner: string): Promise<void>;
}

export interface Clock {
  now(): number;
  /** Resolves after `ms`, or rejects early when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * Thrown by `Ledger.append` when `expectedSeq` is not the next sequence
 * number (another writer appended first). The runner re-reads and re-decides.
 * Adapters may instead throw any error with `code: "LEDGER_CONFLICT"`.
 */
export class LedgerConflictError extends Error {
  readonly code = "LEDGER_CONFLICT";
  constructor(
    readonly expectedSeq: number,
    readonly actualNext: number,
  ) {
    super(
      `ledger conflict: expected to append #${expectedSeq}, but the next sequence number is #${actualNext}`,
    );
    this.name = "LedgerConflictError";
  }
}
