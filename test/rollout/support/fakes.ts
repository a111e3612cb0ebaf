/**
 * In-memory ports for driving the runner on a virtual clock: a clock whose
 * sleep advances time, a ledger in an array, a driver that keeps each stack's
 * config and update history, and a gate scripted by time.
 */
import type {
  RolloutEvent,
  PlannedWave,
  RolloutPolicy,
} from "../../../stacks/rollout/core/events.js";
import { VirtualClock } from "../../../stacks/rollout/rehearsal/adapters/virtual-clock.js";
import {
  type AlarmReading,
  type AlarmStateValue,
  type ApplyResult,
  type Clock,
  type HealthGate,
  type Lease,
  type Ledger,
  LedgerConflictError,
  type LedgerRecord,
  type Pin,
  type PreviewResult,
  type Release,
  type StackDriver,
  type UpdateRecord,
} from "../../../stacks/rollout/core/ports.js";

/**
 * The rehearsal's discrete-event clock (concurrent sleepers, such as an update and the runner
 * watching the ledger meanwhile, wake in virtual-time order; sleeps honour their AbortSignal),
 * plus what the tests look at: every sleep asked for, and the time as `t`, which a test may set
 * to simulate clock skew.
 */
export class FakeClock extends VirtualClock {
  sleeps: number[] = [];
  constructor(start = 1_000_000) {
    super(start);
  }
  get t(): number {
    return this.current;
  }
  set t(value: number) {
    this.current = value;
  }
  override sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    return super.sleep(ms, signal);
  }
}

export class MemoryLedger implements Ledger<unknown> {
  records: LedgerRecord<unknown>[] = [];
  /** Throws after this many successful appends (simulates a crash). */
  crashAfter?: number;
  appends = 0;
  lease?: Lease;
  constructor(private readonly clock: Clock) {}
  read(): Promise<LedgerRecord<unknown>[]> {
    // A deep copy: a stored record must not change under the reader.
    return Promise.resolve(JSON.parse(JSON.stringify(this.records)) as LedgerRecord<unknown>[]);
  }
  append(event: unknown, expectedSeq: number): Promise<LedgerRecord<unknown>> {
    const next = this.records.length + 1;
    if (expectedSeq !== next) return Promise.reject(new LedgerConflictError(expectedSeq, next));
    const rec = {
      seq: next,
      at: this.clock.now(),
      event: JSON.parse(JSON.stringify(event)) as unknown,
    };
    this.records.push(rec);
    this.appends++;
    if (this.crashAfter !== undefined && this.appends >= this.crashAfter) {
      return Promise.reject(new CrashError());
    }
    return Promise.resolve(rec);
  }
  acquireLease(owner: string, ttlMs: number): Promise<{ acquired: boolean; lease: Lease }> {
    if (this.lease && this.lease.owner !== owner && this.lease.expiresAt > this.clock.now()) {
      return Promise.resolve({ acquired: false, lease: this.lease });
    }
    this.lease = { owner, expiresAt: this.clock.now() + ttlMs };
    return Promise.resolve({ acquired: true, lease: this.lease });
  }
  renewLease(owner: string, ttlMs: number): Promise<boolean> {
    if (this.lease?.owner !== owner) return Promise.resolve(false);
    this.lease = { owner, expiresAt: this.clock.now() + ttlMs };
    return Promise.resolve(true);
  }
  releaseLease(owner: string): Promise<void> {
    if (this.lease?.owner === owner) this.lease = undefined;
    return Promise.resolve();
  }
  events(): RolloutEvent[] {
    return this.records.map((r) => r.event as RolloutEvent);
  }
}

export class CrashError extends Error {
  constructor() {
    super("simulated crash");
  }
}

interface FakeStack {
  config: Record<string, string>;
  history: UpdateRecord[];
  /** An interrupted update left pending operations. */
  pending: boolean;
}

export type DriverCall = {
  op: "apply" | "revert" | "refresh" | "preview";
  stack: string;
  at: number;
  release?: string;
};

export class FakeDriver implements StackDriver {
  stacks = new Map<string, FakeStack>();
  calls: DriverCall[] = [];
  /** Stacks whose next apply fails. */
  failApply = new Set<string>();
  failRevert = new Set<string>();
  /** Stacks whose next N reverts find the stack locked (another update holds it for a while). */
  lockedRevert = new Map<string, number>();
  lockedApply = new Set<string>();
  /** Stacks whose preview throws (the program fails on the release's config). */
  failPreview = new Set<string>();
  /** Preview changes returned per stack. */
  previewChanges = new Map<string, PreviewResult["changes"]>();
  applyMs = 5_000;
  /** Per-stack apply duration, overriding `applyMs` (a long `pulumi up`). */
  applyMsOf = new Map<string, number>();
  /** Applies cut short by their AbortSignal, and when. */
  cancels: { stack: string; at: number; reason: string }[] = [];

  constructor(private readonly clock: Clock) {}

  addStack(stack: string, pin: Pin): void {
    const config = { pin: JSON.stringify(pin) };
    this.stacks.set(stack, {
      config,
      // Like a file (DIY) backend: every update is version 0, told apart by its release and time.
      history: [
        {
          version: 0,
          result: "succeeded",
          config: { ...config },
          release: pin.release,
          startTime: new Date(this.clock.now() - 60_000).toISOString(),
          endTime: new Date(this.clock.now() - 59_000).toISOString(),
        },
      ],
      pending: false,
    });
  }

  private get(stack: string): FakeStack {
    const s = this.stacks.get(stack);
    if (!s) throw new Error(`no stack ${stack}`);
    return s;
  }

  pinOf(stack: string): Pin | undefined {
    const raw = this.get(stack).config.pin;
    return raw ? (JSON.parse(raw) as Pin) : undefined;
  }

  outputs(): Promise<Record<string, unknown>> {
    return Promise.resolve({});
  }
  readPin(stack: string): Promise<Pin | undefined> {
    return Promise.resolve(this.pinOf(stack));
  }
  lastGoodUpdate(stack: string): Promise<UpdateRecord | undefined> {
    const h = this.get(stack).history.filter((u) => u.result === "succeeded");
    const last = h[h.length - 1];
    return Promise.resolve(last ? { ...last, config: { ...last.config } } : undefined);
  }
  preview(stack: string, release: Release): Promise<PreviewResult> {
    this.calls.push({ op: "preview", stack, at: this.clock.now(), release: release.id });
    if (this.failPreview.has(stack))
      return Promise.reject(new Error("error: Missing required configuration variable 'TABLE'"));
    const changes = this.previewChanges.get(stack) ?? [
      { urn: `urn:${stack}:svc`, type: "aws:ecs/service:Service", op: "update" },
    ];
    const summary: PreviewResult["summary"] = {};
    for (const c of changes) summary[c.op] = (summary[c.op] ?? 0) + 1;
    return Promise.resolve({ changes, summary });
  }
  /** Records an update as a file backend does (version 0); returns no version, like the driver. */
  private update(
    stack: string,
    config: Record<string, string>,
    ok: boolean,
    release: string,
    startedAt: number,
  ): undefined {
    const s = this.get(stack);
    s.history.push({
      version: 0,
      result: ok ? "succeeded" : "failed",
      config: { ...config },
      release,
      startTime: new Date(startedAt).toISOString(),
      endTime: new Date(this.clock.now()).toISOString(),
    });
    if (ok) s.config = { ...config };
    return undefined;
  }
  async apply(
    stack: string,
    release: Release,
    _onProgress?: unknown,
    signal?: AbortSignal,
  ): Promise<ApplyResult> {
    this.calls.push({ op: "apply", stack, at: this.clock.now(), release: release.id });
    const s = this.get(stack);
    if (s.pending) return { ok: false, error: "the stack has pending operations; refresh first" };
    if (this.lockedApply.has(stack))
      return { ok: false, locked: true, error: "the stack is currently locked by 1 lock(s)" };
    const pin: Pin = { release: release.id, version: release.version, config: release.config };
    const config = { ...s.config, pin: JSON.stringify(pin) };
    const startedAt = this.clock.now();
    try {
      await this.clock.sleep(this.applyMsOf.get(stack) ?? this.applyMs, signal);
    } catch (err) {
      // Like the Automation API adapter: the config was set before `up`, and a cancelled
      // update is recorded as failed and leaves pending operations until a refresh.
      const reason = err instanceof Error ? err.message : String(err);
      this.cancels.push({ stack, at: this.clock.now(), reason });
      const v = this.update(stack, config, false, release.id, startedAt);
      s.config = { ...config };
      s.pending = true;
      return { ok: false, updateVersion: v, error: `update canceled: ${reason}` };
    }
    if (this.failApply.has(stack)) {
      const v = this.update(stack, config, false, release.id, startedAt);
      return { ok: false, updateVersion: v, error: "resource creation failed" };
    }
    return { ok: true, updateVersion: this.update(stack, config, true, release.id, startedAt) };
  }
  async revert(stack: string, to: UpdateRecord): Promise<ApplyResult> {
    this.calls.push({ op: "revert", stack, at: this.clock.now() });
    if (this.get(stack).pending)
      return { ok: false, error: "the stack has pending operations; refresh first" };
    const startedAt = this.clock.now();
    const locks = this.lockedRevert.get(stack) ?? 0;
    if (locks > 0) {
      this.lockedRevert.set(stack, locks - 1);
      return { ok: false, locked: true, error: "the stack is currently locked by 1 lock(s)" };
    }
    await this.clock.sleep(this.applyMs);
    if (this.failRevert.has(stack)) return { ok: false, error: "revert update failed" };
    const id = `revert-to-${to.release ?? "by-hand"}`;
    return { ok: true, updateVersion: this.update(stack, to.config, true, id, startedAt) };
  }
  refresh(stack: string): Promise<ApplyResult> {
    this.calls.push({ op: "refresh", stack, at: this.clock.now() });
    this.get(stack).pending = false;
    return Promise.resolve({ ok: true });
  }
  applies(): string[] {
    return this.calls.filter((c) => c.op === "apply").map((c) => c.stack);
  }
  reverts(): string[] {
    return this.calls.filter((c) => c.op === "revert").map((c) => c.stack);
  }
}

/** Alarm states as a function of alarm name and time; `errors` makes reads throw. */
export class ScriptedGate implements HealthGate {
  script: (name: string, now: number) => AlarmStateValue | "MISSING" = () => "OK";
  /** Number of upcoming reads that throw. */
  failNext = 0;
  reads: number[] = [];
  constructor(private readonly clock: Clock) {}
  read(names: string[]): Promise<AlarmReading[]> {
    const now = this.clock.now();
    this.reads.push(now);
    if (this.failNext > 0) {
      this.failNext--;
      return Promise.reject(new Error("Throttling: Rate exceeded"));
    }
    return Promise.resolve(
      names.map((name) => {
        const s = this.script(name, now);
        return s === "MISSING"
          ? { name, exists: false }
          : { name, exists: true, state: s, periodSeconds: 60, evaluationPeriods: 3 };
      }),
    );
  }
}

export interface CohortSpec {
  name: string;
  criticality: number;
  bakeMs: number;
}

export const THREE_COHORTS: CohortSpec[] = [
  { name: "free", criticality: 0, bakeMs: 300_000 },
  { name: "pro", criticality: 1, bakeMs: 600_000 },
  { name: "enterprise", criticality: 2, bakeMs: 1_800_000 },
];

export const DEFAULT_POLICY: RolloutPolicy = {
  insufficientData: "hold",
  pollIntervalMs: 30_000,
  allowDataLoss: false,
};

export function wavesOf(cohorts: CohortSpec[], edge = false): PlannedWave[] {
  const levels = [...new Set(cohorts.map((c) => c.criticality))].sort((a, b) => a - b);
  const waves: PlannedWave[] = levels.map((level, index) => ({
    index,
    targets: cohorts
      .filter((c) => c.criticality === level)
      .map((c) => ({
        cohort: c.name,
        stack: `prod.${c.name}`,
        criticality: c.criticality,
        bakeMs: c.bakeMs,
        alarmNames: [`${c.name}-errors`, `${c.name}-latency`],
        edge: false,
      })),
  }));
  if (edge) {
    waves.push({
      index: waves.length,
      targets: [
        {
          cohort: "edge",
          stack: "prod",
          criticality: levels.length,
          bakeMs: Math.max(...cohorts.map((c) => c.bakeMs)),
          alarmNames: cohorts.flatMap((c) => [`${c.name}-errors`, `${c.name}-latency`]),
          edge: true,
        },
      ],
    });
  }
  return waves;
}
