/**
 * The test kit's StackDriver: each stack's config and update history in memory, updates that
 * take `applyMs` on the given clock (a FakeClock in tests, the real clock in the benchmark),
 * failures, locks and cancellations on demand, and every call recorded with its wall time.
 */
import type {
  ApplyResult,
  Clock,
  Pin,
  PreviewResult,
  Release,
  StackDriver,
  UpdateRecord,
} from "../../stacks/rollout/core/ports.js";

interface FakeStack {
  config: Record<string, string>;
  history: UpdateRecord[];
  /** An interrupted update left pending operations. */
  pending: boolean;
}

export type DriverCall = {
  op: "apply" | "revert" | "refresh" | "preview";
  stack: string;
  /** The clock's time at the call. */
  at: number;
  release?: string;
  /** performance.now() at the call, and the wall ms it took (the benchmark subtracts these). */
  startedAt: number;
  ms: number;
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

  /** @param clock what updates take `applyMs` of (a FakeClock, or the real clock in the benchmark) */
  constructor(private readonly clock: Clock) {}

  /** Records a call, and its wall time once `done` settles. */
  private call<T>(c: Pick<DriverCall, "op" | "stack" | "release">, done: Promise<T>): Promise<T> {
    const rec: DriverCall = { ...c, at: this.clock.now(), startedAt: performance.now(), ms: 0 };
    this.calls.push(rec);
    const settle = () => {
      rec.ms = performance.now() - rec.startedAt;
    };
    done.then(settle, settle);
    return done;
  }

  /** Wall time spent inside updates, previews and refreshes (what a rollout cannot avoid). */
  busyMs(): number {
    return this.calls.reduce((sum, c) => sum + c.ms, 0);
  }

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
    return this.call({ op: "preview", stack, release: release.id }, this.doPreview(stack));
  }
  private doPreview(stack: string): Promise<PreviewResult> {
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
  apply(
    stack: string,
    release: Release,
    _onProgress?: unknown,
    signal?: AbortSignal,
  ): Promise<ApplyResult> {
    return this.call(
      { op: "apply", stack, release: release.id },
      this.doApply(stack, release, signal),
    );
  }
  private async doApply(
    stack: string,
    release: Release,
    signal?: AbortSignal,
  ): Promise<ApplyResult> {
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
  revert(stack: string, to: UpdateRecord): Promise<ApplyResult> {
    return this.call({ op: "revert", stack }, this.doRevert(stack, to));
  }
  private async doRevert(stack: string, to: UpdateRecord): Promise<ApplyResult> {
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
    const done = Promise.resolve().then(() => {
      this.get(stack).pending = false;
      return { ok: true };
    });
    return this.call({ op: "refresh", stack }, done);
  }
  applies(): string[] {
    return this.calls.filter((c) => c.op === "apply").map((c) => c.stack);
  }
  reverts(): string[] {
    return this.calls.filter((c) => c.op === "revert").map((c) => c.stack);
  }
}
