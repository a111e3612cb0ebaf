/** Builds a runner over the in-memory ports with a planned release, for the decision tests. */
import type { RolloutEvent, RolloutPolicy } from "../../../stacks/rollout/core/events.js";
import { Runner, readState } from "../../../stacks/rollout/executor/runner.js";
import type { ProgressUpdate } from "../../../stacks/rollout/core/progress.js";
import { FakeClock } from "../../kit/clock.js";
import { FakeDriver } from "../../kit/driver.js";
import { ScriptedGate } from "../../kit/gate.js";
import { MemoryLedger } from "../../kit/ledger.js";
import { type CohortSpec, DEFAULT_POLICY, THREE_COHORTS, wavesOf } from "../../kit/plan.js";

export const OLD_PIN = { release: "r0", version: "1.0.0", config: {} };

export interface HarnessOptions {
  cohorts?: CohortSpec[];
  policy?: Partial<RolloutPolicy>;
  edge?: boolean;
  releaseId?: string;
  /** Cohorts the environment requires an approval before, with who may give it. */
  approvalFor?: Record<string, string[]>;
  /** `deploy --approve-before`: cohorts this release waits before. */
  approveBefore?: string[];
}

export async function harness(opts: HarnessOptions = {}) {
  const clock = new FakeClock();
  const ledger = new MemoryLedger(clock);
  const driver = new FakeDriver(clock);
  const gate = new ScriptedGate(clock);
  const cohorts = opts.cohorts ?? THREE_COHORTS;
  for (const c of cohorts) driver.addStack(`prod.${c.name}`, OLD_PIN);
  if (opts.edge) driver.addStack("prod", OLD_PIN);
  const releaseId = opts.releaseId ?? "r1";
  const waves = wavesOf(cohorts, opts.edge).map((w) => ({
    ...w,
    targets: w.targets.map((t) => {
      const approvers = opts.approvalFor?.[t.cohort];
      return approvers ? { ...t, approval: { approvers } } : t;
    }),
  }));
  const planned: RolloutEvent = {
    type: "planned",
    release: releaseId,
    releaseSpec: {
      id: releaseId,
      version: "2.0.0",
      config: { FLAG: "on" },
      ...(opts.edge ? { edgeConfig: { ROUTES: "v2" } } : {}),
    },
    environment: "prod",
    waves,
    policy: { ...DEFAULT_POLICY, ...opts.policy },
    ...(opts.approveBefore ? { approveBefore: opts.approveBefore } : {}),
  };
  await ledger.append(planned, 1);
  const updates: ProgressUpdate[] = [];
  const makeRunner = () =>
    new Runner(
      { driver, gate, ledger, clock, progress: (u) => updates.push(u) },
      { gateAttempts: 3, gateBackoffMs: 1_000 },
    );
  const runner = makeRunner();
  return {
    clock,
    ledger,
    driver,
    gate,
    runner,
    makeRunner,
    releaseId,
    waves,
    updates,
    run: () => runner.run(releaseId),
    state: async () => (await readState(ledger)).state.releases.get(releaseId),
    types: () => ledger.events().map((e) => e.type),
    eventsOf: (type: RolloutEvent["type"]) =>
      ledger.records.filter((r) => (r.event as RolloutEvent).type === type),
  };
}

export type Harness = Awaited<ReturnType<typeof harness>>;
