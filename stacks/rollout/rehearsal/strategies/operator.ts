/**
 * The human in the loop of the strategies without health gating: someone is
 * paged when any alarm fires, takes `responseMs` to act, then reverts every
 * cohort that received the release, all at once. Without this the ungated
 * strategies would never revert at all, which would flatter the plan.
 */
import type { UpdateRecord } from "../../core/ports.js";
import { retry } from "../../core/retry.js";
import { CANDIDATE, type World } from "../sim/world.js";
import type { Decision } from "./types.js";

const WATCH_INTERVAL_MS = 60_000;
const REVERT_RETRY_MS = 5 * 60_000;

export class Operator {
  detectedAt: number | undefined;
  /** Set once the operator has decided to revert: no further pushes start. */
  halted = false;
  private readonly received = new Map<
    string,
    { cohort: string; previous: UpdateRecord | undefined }
  >();
  private readonly inflight = new Map<string, Promise<unknown>>();
  private revertsDone = false;

  constructor(
    private readonly world: World,
    private readonly responseMs: number,
    private readonly decisions: Decision[],
  ) {}

  /** Push the release to one stack, remembering what to revert to. */
  async push(stack: string, cohort: string): Promise<void> {
    if (this.halted) return;
    const { driver } = this.world;
    const previous = await driver.lastGoodUpdate(stack);
    this.received.set(stack, { cohort, previous });
    this.decisions.push({ at: this.world.clock.now(), cohort, kind: "push" });
    const p = driver.apply(stack, CANDIDATE);
    this.inflight.set(stack, p);
    const result = await p;
    if (!result.ok)
      this.decisions.push({
        at: this.world.clock.now(),
        cohort,
        kind: "push-failed",
        detail: result.error,
      });
  }

  /** Watch every alarm until the horizon, or until the release is reverted everywhere it went. */
  async watch(until: number): Promise<void> {
    const { clock, gate, env } = this.world;
    const names = env.alarms.map((a) => a.name);
    while (clock.now() < until && !this.revertsDone) {
      await clock.sleep(WATCH_INTERVAL_MS);
      if (this.halted || this.received.size === 0) continue;
      const firing = (await gate.read(names)).filter((r) => r.state === "ALARM");
      if (firing.length === 0) continue;
      this.detectedAt = clock.now();
      this.decisions.push({
        at: clock.now(),
        kind: "paged",
        detail: `operator paged: ${firing.map((r) => r.name).join(", ")}`,
      });
      this.halted = true;
      await clock.sleep(this.responseMs);
      this.decisions.push({
        at: clock.now(),
        kind: "operator-revert",
        detail: "operator reverts every cohort that received the release",
      });
      await Promise.all(
        [...this.received.entries()].map(([stack, r]) => this.revert(stack, r.cohort, r.previous)),
      );
      this.revertsDone = true;
    }
  }

  private async revert(
    stack: string,
    cohort: string,
    previous: UpdateRecord | undefined,
  ): Promise<void> {
    const { driver, clock } = this.world;
    await this.inflight.get(stack); // a push still updating finishes first, then is undone
    if (!previous) return;
    const attempts = await retry(
      async () => {
        const r = await driver.revert(stack, previous);
        if (!r.ok) throw new Error(r.error ?? "unknown error");
      },
      {
        clock,
        attempts: 3,
        backoffMs: REVERT_RETRY_MS,
        maxBackoffMs: REVERT_RETRY_MS,
        onAttempt: (_, outcome) =>
          this.decisions.push(
            outcome.ok
              ? { at: clock.now(), cohort, kind: "reverted" }
              : { at: clock.now(), cohort, kind: "revert-failed", detail: outcome.error },
          ),
      },
    );
    // An operator out of attempts waits one more interval before walking away (as before the
    // loop became core/retry.ts: the rehearsal's figures stay the same).
    if (!attempts.ok) await clock.sleep(REVERT_RETRY_MS);
  }
}
