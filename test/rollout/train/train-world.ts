/**
 * A train on a fake clock: the rollout tests' fake driver, scripted gate and in-memory ledger
 * (test/kit) behind a TrainController, plus helpers to submit releases and read
 * what the ledger recorded.
 */
import type { RolloutEvent } from "../../../stacks/rollout/core/events.js";
import {
  type TrainCohort,
  type TrainPolicy,
  type TrainWave,
  trainCohortSchema,
  trainPolicySchema,
} from "../../../stacks/rollout/core/train/events.js";
import type { DeploymentWatcher, LedgerRecord } from "../../../stacks/rollout/core/ports.js";
import {
  TrainController,
  type TrainControllerOptions,
} from "../../../stacks/rollout/executor/train-controller.js";
import { FakeClock } from "../../kit/clock.js";
import { FakeDriver } from "../../kit/driver.js";
import { ScriptedGate } from "../../kit/gate.js";
import { MemoryLedger } from "../../kit/ledger.js";

export const MIN = 60_000;
export const HOUR = 60 * MIN;

/** A cohort of the train: stack `prod.<name>`, alarms `<name>-errors`. */
export function cohort(name: string, extra: Partial<TrainCohort> = {}): TrainCohort {
  return trainCohortSchema.parse({
    cohort: name,
    stack: `prod.${name}`,
    bakeMs: 10 * MIN,
    alarmNames: [`${name}-errors`],
    ...extra,
  });
}

/** Waves from lists of cohorts, in order. */
export function waves(...cohorts: TrainCohort[][]): TrainWave[] {
  return cohorts.map((c, index) => ({ index, cohorts: c }));
}

export function policy(extra: Partial<TrainPolicy> = {}): TrainPolicy {
  return trainPolicySchema.parse({ pollIntervalMs: MIN, ...extra });
}

export class TrainWorld {
  readonly clock: FakeClock;
  readonly ledger: MemoryLedger;
  readonly driver: FakeDriver;
  readonly gate: ScriptedGate;
  /** Alarms in ALARM: `(cohort, release on its stack, now) => bad?`. */
  bad: (cohort: string, release: string | undefined, now: number) => boolean = () => false;
  /** The deployment watcher the controllers get (absent: none, as before deployments were watched). */
  deployments?: DeploymentWatcher;

  constructor(
    readonly plan: TrainWave[],
    readonly trainPolicy: TrainPolicy = policy(),
    start = Date.parse("2026-12-01T10:00:00Z"),
    /** A clock of the test's own (a jumping one when the ledger does real I/O). */
    clock: FakeClock = new FakeClock(start),
  ) {
    this.clock = clock;
    this.ledger = new MemoryLedger(this.clock);
    this.driver = new FakeDriver(this.clock);
    this.gate = new ScriptedGate(this.clock);
    for (const w of plan)
      for (const c of w.cohorts)
        this.driver.addStack(c.stack, { release: "r0", version: "v0", config: { FLAG: "off" } });
    this.gate.script = (name, now) => {
      const c = name.replace(/-errors$/, "");
      return this.bad(c, this.driver.pinOf(`prod.${c}`)?.release, now) ? "ALARM" : "OK";
    };
  }

  async append(event: RolloutEvent): Promise<void> {
    await this.ledger.append(event, this.ledger.records.length + 1);
  }

  /** Submits a release (version and/or config) with the world's plan and policy. */
  async submit(
    id: string,
    spec: { version?: string; config?: Record<string, string> } = {},
  ): Promise<void> {
    await this.append({
      type: "train-submitted",
      release: id,
      environment: "prod",
      releaseSpec: {
        id,
        config: {},
        ...(spec.version || spec.config ? {} : { version: `v-${id}` }),
        ...spec,
      },
      waves: this.plan,
      policy: this.trainPolicy,
    });
  }

  controller(options: Partial<TrainControllerOptions> = {}): TrainController {
    return new TrainController(
      {
        driver: this.driver,
        gate: this.gate,
        ledger: this.ledger,
        clock: this.clock,
        ...(this.deployments ? { deployments: this.deployments } : {}),
      },
      { owner: "test-controller", gateBackoffMs: 10, ...options },
    );
  }

  records(): LedgerRecord<RolloutEvent>[] {
    return this.ledger.records as LedgerRecord<RolloutEvent>[];
  }

  /** `train-entered` records, as `release@cohort` with their time. */
  entries(): { release: string; cohort: string; at: number; supersedes: string[] }[] {
    return this.records().flatMap((r) =>
      r.event.type === "train-entered"
        ? [
            {
              release: r.event.release,
              cohort: r.event.cohort,
              at: r.at,
              supersedes: r.event.supersedes,
            },
          ]
        : [],
    );
  }

  /** Releases in the order they entered `cohort`. */
  orderAt(cohort: string): string[] {
    return this.entries()
      .filter((e) => e.cohort === cohort)
      .map((e) => e.release);
  }

  finished(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const r of this.records())
      if (r.event.type === "train-finished") out[r.event.release] = r.event.outcome;
    return out;
  }

  timeOf(pred: (e: RolloutEvent) => boolean): number {
    const rec = this.records().find((r) => pred(r.event));
    if (!rec) throw new Error("no such record");
    return rec.at;
  }
}
