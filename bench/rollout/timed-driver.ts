/**
 * A StackDriver whose updates take a fixed wall time and which records when
 * each call started and how long it ran: the benchmark subtracts that time
 * (the "updates") from the rollout's wall time to find the orchestration's.
 */
import type {
  ApplyResult,
  Pin,
  PreviewResult,
  Release,
  StackDriver,
  UpdateRecord,
} from "../../stacks/rollout/core/ports.js";

export interface DriverCall {
  op: string;
  stack: string;
  startedAt: number;
  ms: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class TimedDriver implements StackDriver {
  readonly calls: DriverCall[] = [];
  private readonly stacks = new Map<string, UpdateRecord[]>();

  constructor(private readonly updateMs: number) {}

  private async timed<T>(op: string, stack: string, fn: () => Promise<T> | T): Promise<T> {
    const startedAt = performance.now();
    try {
      return await fn();
    } finally {
      this.calls.push({ op, stack, startedAt, ms: performance.now() - startedAt });
    }
  }

  private history(stack: string): UpdateRecord[] {
    let h = this.stacks.get(stack);
    if (!h) {
      const pin: Pin = { release: "r0", version: "1.0.0", config: {} };
      h = [{ version: 1, result: "succeeded", config: { pin: JSON.stringify(pin) } }];
      this.stacks.set(stack, h);
    }
    return h;
  }

  private update(stack: string, config: Record<string, string>): Promise<ApplyResult> {
    return this.timed("update", stack, async () => {
      await sleep(this.updateMs);
      const h = this.history(stack);
      h.push({ version: h.length + 1, result: "succeeded", config });
      return { ok: true, updateVersion: h.length };
    });
  }

  outputs(): Promise<Record<string, unknown>> {
    return Promise.resolve({});
  }
  readPin(stack: string): Promise<Pin | undefined> {
    const raw = this.history(stack).at(-1)?.config.pin;
    return Promise.resolve(raw === undefined ? undefined : (JSON.parse(raw) as Pin));
  }
  lastGoodUpdate(stack: string): Promise<UpdateRecord | undefined> {
    return Promise.resolve(this.history(stack).at(-1));
  }
  preview(stack: string): Promise<PreviewResult> {
    return this.timed("preview", stack, () => ({
      changes: [
        { urn: `urn:${stack}:svc`, type: "aws:ecs/service:Service", op: "update" as const },
      ],
      summary: { update: 1 },
    }));
  }
  apply(stack: string, release: Release): Promise<ApplyResult> {
    const pin: Pin = { release: release.id, version: release.version, config: release.config };
    return this.update(stack, { pin: JSON.stringify(pin) });
  }
  revert(stack: string, to: UpdateRecord): Promise<ApplyResult> {
    this.calls.push({ op: "revert-start", stack, startedAt: performance.now(), ms: 0 });
    return this.update(stack, to.config);
  }
  refresh(stack: string): Promise<ApplyResult> {
    return this.timed("refresh", stack, () => ({ ok: true }));
  }
  /** Wall time spent inside updates and previews (what a rollout cannot avoid). */
  busyMs(): number {
    return this.calls.reduce((sum, c) => sum + c.ms, 0);
  }
}
