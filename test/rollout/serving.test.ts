/**
 * The bake watches the new version: on a platform whose update returns before the new version
 * serves (ECS), a cohort's bake starts when its deployment is seen serving, never when its
 * update returned; a deployment that fails, times out or is rolled back by the platform itself
 * fails the release at that cohort and reverts it through its stack. Decisions are checked on
 * folded ledgers (pure), then end to end through the runner on a virtual clock with a scripted
 * deployment watcher.
 */
import { describe, expect, it } from "vitest";
import type { DeploymentRef } from "../../components/contract.js";
import type { PlannedWave, RolloutEvent } from "../../stacks/rollout/core/events.js";
import { decide } from "../../stacks/rollout/core/machine.js";
import type { DeploymentStatus, DeploymentWatcher } from "../../stacks/rollout/core/ports.js";
import { Runner } from "../../stacks/rollout/executor/runner.js";
import { type FoldRecord, fold } from "../../stacks/rollout/core/state.js";
import { FakeClock } from "../kit/clock.js";
import { FakeDriver } from "../kit/driver.js";
import { ScriptedGate } from "../kit/gate.js";
import { MemoryLedger } from "../kit/ledger.js";
import { type CohortSpec, DEFAULT_POLICY, wavesOf } from "../kit/plan.js";
import { OLD_PIN } from "./support/harness.js";

const MIN = 60_000;
const TIMEOUT_MS = 15 * MIN;

function refOf(stack: string, taskDefinition: string): DeploymentRef {
  return {
    platform: "ecs",
    cluster: `arn:aws:ecs:eu-west-1:123456789012:cluster/${stack}`,
    service: `arn:aws:ecs:eu-west-1:123456789012:service/${stack}/app`,
    taskDefinition,
  };
}

/** A driver whose cohort stacks export an ECS deployment, with a new task definition per update. */
class EcsDriver extends FakeDriver {
  /** Stacks whose outputs cannot be read. */
  outputsFail = new Set<string>();
  /** When false, stacks export no deployment (the component before this change). */
  exportsDeployment = true;
  override outputs(stack?: string): Promise<Record<string, unknown>> {
    const name = stack ?? "";
    if (this.outputsFail.has(name)) return Promise.reject(new Error("stack outputs unavailable"));
    if (!this.exportsDeployment) return Promise.resolve({});
    const s = this.stacks.get(name);
    const cohort = name.split(".")[1] ?? name;
    return Promise.resolve({
      cohorts: { [cohort]: { deployment: refOf(name, `td/${name}:${s?.history.length ?? 0}`) } },
    });
  }
}

/** ECS as a script: what `check` answers for a stack at a time; every check is recorded. */
class ScriptedWatcher implements DeploymentWatcher {
  checks: { stack: string; at: number }[] = [];
  constructor(
    private readonly clock: FakeClock,
    public script: (stack: string, now: number) => DeploymentStatus,
  ) {}
  check(ref: DeploymentRef): Promise<DeploymentStatus> {
    const stack = ref.cluster.split("/").at(-1) ?? "";
    const now = this.clock.now();
    this.checks.push({ stack, at: now });
    return Promise.resolve(this.script(stack, now));
  }
}

const TWO: CohortSpec[] = [
  { name: "free", criticality: 0, bakeMs: 5 * MIN },
  { name: "pro", criticality: 1, bakeMs: 5 * MIN },
];

function withTimeout(waves: PlannedWave[]): PlannedWave[] {
  return waves.map((w) => ({
    ...w,
    targets: w.targets.map((t) => ({ ...t, deploymentTimeoutMs: TIMEOUT_MS })),
  }));
}

async function world(opts: { watcher?: boolean; cohorts?: CohortSpec[] } = {}) {
  const cohorts = opts.cohorts ?? TWO;
  const clock = new FakeClock();
  const ledger = new MemoryLedger(clock);
  const driver = new EcsDriver(clock);
  const gate = new ScriptedGate(clock);
  for (const c of cohorts) driver.addStack(`prod.${c.name}`, OLD_PIN);
  const waves = withTimeout(wavesOf(cohorts));
  await ledger.append(
    {
      type: "planned",
      release: "r1",
      releaseSpec: { id: "r1", version: "2.0.0", config: {} },
      environment: "prod",
      waves,
      policy: DEFAULT_POLICY,
    },
    1,
  );
  /** When each stack's (latest) update returned: ECS starts deploying from there. */
  const updateReturned = new Map<string, number>();
  const applies = driver.apply.bind(driver);
  driver.apply = async (...args: Parameters<FakeDriver["apply"]>) => {
    const result = await applies(...args);
    updateReturned.set(args[0], clock.now());
    return result;
  };
  // By default ECS takes 4 minutes from the update's return to a completed deployment.
  const watcher = new ScriptedWatcher(clock, (stack, now) =>
    now - (updateReturned.get(stack) ?? now) >= 4 * MIN
      ? { state: "serving", reason: "rolloutState COMPLETED, 2/2 running, old tasks drained" }
      : { state: "in-progress", reason: "rolloutState IN_PROGRESS, 1/2 running" },
  );
  const runner = new Runner(
    { driver, gate, ledger, clock, ...(opts.watcher === false ? {} : { deployments: watcher }) },
    { gateAttempts: 2, gateBackoffMs: 1_000 },
  );
  const at = (type: RolloutEvent["type"], cohort: string) =>
    ledger.records.find(
      (r) =>
        (r.event as RolloutEvent).type === type &&
        (r.event as { cohort?: string }).cohort === cohort,
    );
  return { clock, ledger, driver, gate, watcher, runner, updateReturned, at };
}

function failedOf(ledger: MemoryLedger): Extract<RolloutEvent, { type: "failed" }> | undefined {
  return ledger
    .events()
    .find((e): e is Extract<RolloutEvent, { type: "failed" }> => e.type === "failed");
}

describe("the bake starts when the new version serves", () => {
  it("holds the bake while the deployment is in progress: no alarm read, no pass before serving + bake", async () => {
    const w = await world();
    const result = await w.runner.run("r1");
    expect(result.outcome).toBe("completed");
    for (const cohort of ["free", "pro"]) {
      const applied = w.at("applied", cohort)!;
      const serving = w.ledger.records.find(
        (r) =>
          (r.event as RolloutEvent).type === "deployment-observed" &&
          (r.event as { cohort: string }).cohort === cohort &&
          (r.event as { state: string }).state === "serving",
      )!;
      const observedAt = (serving.event as { observedAt: number }).observedAt;
      // ECS took 4 minutes; the watcher saw it within one poll interval, not before.
      expect(observedAt - applied.at).toBeGreaterThanOrEqual(4 * MIN);
      expect(observedAt - applied.at).toBeLessThan(4 * MIN + DEFAULT_POLICY.pollIntervalMs + 1);
      // No bake reading of this cohort was taken while it deployed.
      const bakeReads = w.ledger.records.filter(
        (r) =>
          (r.event as RolloutEvent).type === "observed" &&
          (r.event as { cohort: string }).cohort === cohort &&
          (r.event as { phase: string }).phase === "bake",
      );
      expect(bakeReads.length).toBeGreaterThan(0);
      for (const r of bakeReads)
        expect((r.event as { takenAt: number }).takenAt).toBeGreaterThanOrEqual(observedAt);
      // It passed a full bake after serving, which is more than a bake after the update.
      expect(w.at("passed", cohort)!.at).toBeGreaterThanOrEqual(observedAt + 5 * MIN);
    }
    // The in-progress state was recorded once per change, not once per poll.
    const inProgress = w.ledger
      .events()
      .filter((e) => e.type === "deployment-observed" && e.state === "in-progress");
    expect(inProgress).toHaveLength(2);
  });

  it("catches a release that alarms after a bake counted from the update would have ended", async () => {
    // The bad version serves 4 minutes after its update; its alarm fires 2.5 minutes later,
    // i.e. 6.5 minutes after the update: a 5-minute bake from the update had already passed it.
    const run = async (exportsDeployment: boolean) => {
      const w = await world();
      w.driver.exportsDeployment = exportsDeployment;
      w.gate.script = (name, now) => {
        const returned = w.updateReturned.get("prod.free");
        return name.startsWith("free-") && returned !== undefined && now >= returned + 6.5 * MIN
          ? "ALARM"
          : "OK";
      };
      return { w, result: await w.runner.run("r1") };
    };
    const watched = await run(true);
    expect(watched.result.outcome).toBe("failed");
    expect(failedOf(watched.w.ledger)).toMatchObject({ cohort: "free", cause: "gate" });
    expect(watched.w.driver.applies()).toEqual(["prod.free"]);
    expect(watched.w.driver.pinOf("prod.free")).toEqual(OLD_PIN);
    // The old behaviour (the bake counted from the update's return) lets it through to pro.
    const early = await run(false);
    expect(early.w.driver.applies()).toEqual(["prod.free", "prod.pro"]);
    expect(early.w.at("passed", "free")).toBeDefined();
  });
});

describe("a deployment that does not serve fails the release at its cohort", () => {
  it("a failed deployment (ECS circuit breaker) fails the update with ECS's reason and reverts", async () => {
    const w = await w0((stack, now, returned) =>
      stack === "prod.free" && now - returned >= 2 * MIN
        ? {
            state: "failed",
            reason: "rolloutState FAILED: ECS deployment circuit breaker: tasks failed to start.",
          }
        : { state: "in-progress", reason: "rolloutState IN_PROGRESS, 0/2 running" },
    );
    const result = await w.runner.run("r1");
    expect(result.outcome).toBe("failed");
    const failed = failedOf(w.ledger);
    expect(failed).toMatchObject({ cohort: "free", cause: "deployment" });
    expect(failed?.reason).toContain("circuit breaker");
    expect(w.driver.reverts()).toEqual(["prod.free"]);
    expect(w.driver.pinOf("prod.free")).toEqual(OLD_PIN);
    expect(w.driver.applies()).toEqual(["prod.free"]);
    // Never baked: no alarm was read for the bake.
    expect(
      w.ledger.events().filter((e) => e.type === "observed" && e.phase === "bake"),
    ).toHaveLength(0);
  });

  it("a deployment still in progress at the cohort's timeout fails closed and reverts", async () => {
    const w = await w0(() => ({
      state: "in-progress",
      reason: "rolloutState IN_PROGRESS, 1/2 running",
    }));
    const result = await w.runner.run("r1");
    expect(result.outcome).toBe("failed");
    const failed = failedOf(w.ledger);
    expect(failed).toMatchObject({ cohort: "free", cause: "deployment" });
    expect(failed?.reason).toContain("deployment timeout");
    expect(failed?.reason).toContain("1/2 running");
    const failedAt = w.ledger.records.find((r) => (r.event as RolloutEvent).type === "failed")!.at;
    expect(failedAt - w.at("applied", "free")!.at).toBeGreaterThanOrEqual(TIMEOUT_MS);
    expect(failedAt - w.at("applied", "free")!.at).toBeLessThan(
      TIMEOUT_MS + DEFAULT_POLICY.pollIntervalMs,
    );
    expect(w.driver.pinOf("prod.free")).toEqual(OLD_PIN);
  });

  it("a deployment that cannot be checked (API errors) is not called serving: its timeout fails it", async () => {
    const w = await world();
    w.watcher.check = () => Promise.reject(new Error("ThrottlingException: Rate exceeded"));
    const result = await w.runner.run("r1");
    expect(result.outcome).toBe("failed");
    const failed = failedOf(w.ledger);
    expect(failed?.reason).toContain("deployment timeout");
    expect(failed?.reason).toContain("could not be checked: ThrottlingException");
    // Nothing but the unanswered check at the deadline was recorded: never "serving".
    const observed = w.ledger.events().filter((e) => e.type === "deployment-observed");
    expect(observed.map((e) => e.type === "deployment-observed" && e.state)).toEqual([
      "in-progress",
    ]);
  });

  it("a stack that names a deployment while no watcher is configured fails closed", async () => {
    const w = await world({ watcher: false });
    const result = await w.runner.run("r1");
    expect(result.outcome).toBe("failed");
    expect(failedOf(w.ledger)?.reason).toContain("no deployment watcher is configured");
    expect(w.driver.pinOf("prod.free")).toEqual(OLD_PIN);
  });

  it("outputs that cannot be read after the update fail closed (whether it serves is unknown)", async () => {
    const w = await world();
    w.driver.outputsFail.add("prod.free");
    const result = await w.runner.run("r1");
    expect(result.outcome).toBe("failed");
    const failed = failedOf(w.ledger);
    expect(failed?.cause).toBe("deployment");
    expect(failed?.reason).toContain("could not be read");
    expect(w.driver.pinOf("prod.free")).toEqual(OLD_PIN);
  });

  it("an ECS-side rollback during the bake is recorded with its cause and the stack reverted", async () => {
    // Serving after 4 minutes; 2 minutes into the bake ECS puts the old task definition back.
    const w = await w0((_stack, now, returned) => {
      if (now - returned < 4 * MIN)
        return { state: "in-progress", reason: "rolloutState IN_PROGRESS, 1/2 running" };
      if (now - returned < 6 * MIN)
        return { state: "serving", reason: "rolloutState COMPLETED, 2/2 running" };
      return {
        state: "rolled-back",
        reason:
          "the primary deployment runs td/old:1, not the deployed task definition (ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/1)",
      };
    });
    const result = await w.runner.run("r1");
    expect(result.outcome).toBe("failed");
    const observed = w.ledger
      .events()
      .find((e) => e.type === "deployment-observed" && e.state === "rolled-back");
    expect(observed).toMatchObject({ cohort: "free" });
    const failed = failedOf(w.ledger);
    expect(failed).toMatchObject({ cohort: "free", cause: "deployment" });
    expect(failed?.reason).toContain("rolled back by the platform itself");
    expect(failed?.reason).toContain("circuit breaker");
    // Detected within one poll of the rollback, during the bake (no pass), then the stack revert.
    const rolledBackAt = w.at("applied", "free")!.at + 6 * MIN;
    const failedAt = w.ledger.records.find((r) => (r.event as RolloutEvent).type === "failed")!.at;
    expect(failedAt).toBeGreaterThanOrEqual(rolledBackAt);
    expect(failedAt).toBeLessThanOrEqual(rolledBackAt + DEFAULT_POLICY.pollIntervalMs);
    expect(w.at("passed", "free")).toBeUndefined();
    expect(w.driver.reverts()).toEqual(["prod.free"]);
    expect(
      w.ledger
        .events()
        .map((e) => e.type)
        .slice(-3),
    ).toEqual(["reverting", "reverted", "release-failed"]);
    expect(w.driver.pinOf("prod.free")).toEqual(OLD_PIN);
  });

  it("a restart while the deployment rolls out keeps holding the bake (the ledger, not memory, decides)", async () => {
    const w = await world();
    // Crash right after the `applied` of free is recorded (planned, precheck, applying, applied).
    w.ledger.crashAfter = 4;
    await expect(w.runner.run("r1")).rejects.toThrow("simulated crash");
    w.ledger.crashAfter = undefined;
    const applied = w.at("applied", "free")!;
    const again = new Runner(
      { driver: w.driver, gate: w.gate, ledger: w.ledger, clock: w.clock, deployments: w.watcher },
      { gateAttempts: 2, gateBackoffMs: 1_000 },
    );
    expect((await again.run("r1")).outcome).toBe("completed");
    const serving = w.ledger
      .events()
      .find(
        (e) => e.type === "deployment-observed" && e.cohort === "free" && e.state === "serving",
      );
    expect(
      serving?.type === "deployment-observed" && serving.observedAt - applied.at,
    ).toBeGreaterThanOrEqual(4 * MIN);
    expect(w.at("passed", "free")!.at).toBeGreaterThanOrEqual(applied.at + 4 * MIN + 5 * MIN);
    // The update was not applied a second time.
    expect(w.driver.applies()).toEqual(["prod.free", "prod.pro"]);
  });

  /** A world whose watcher answers by time since the stack's update returned. */
  async function w0(script: (stack: string, now: number, returned: number) => DeploymentStatus) {
    const w = await world();
    w.watcher.script = (stack, now) => script(stack, now, w.updateReturned.get(stack) ?? now);
    return w;
  }
});

describe("a cohort whose bake passed is still watched while later waves bake", () => {
  const THREE: CohortSpec[] = [...TWO, { name: "enterprise", criticality: 2, bakeMs: 5 * MIN }];
  const servingOf = (w: Awaited<ReturnType<typeof world>>, cohort: string) =>
    w.ledger
      .events()
      .find(
        (e) => e.type === "deployment-observed" && e.cohort === cohort && e.state === "serving",
      );

  it("the platform rolling back the first cohort while the second wave bakes fails the release and reverts both", async () => {
    const w = await world({ cohorts: THREE });
    const defaults = w.watcher.script;
    /** When ECS put free's old task definition back: 2 minutes into pro's bake. */
    let rolledBackAt: number | undefined;
    w.watcher.script = (stack, now) => {
      const proReturned = w.updateReturned.get("prod.pro");
      if (stack === "prod.free" && proReturned !== undefined && now >= proReturned + 6 * MIN) {
        rolledBackAt ??= proReturned + 6 * MIN;
        return {
          state: "rolled-back",
          reason:
            "the primary deployment runs td/prod.free:0, not the deployed task definition (rolled back in the console)",
        };
      }
      return defaults(stack, now);
    };
    const result = await w.runner.run("r1");
    expect(result.outcome).toBe("failed");
    // free had passed its bake; pro was baking (serving, not passed) when it was caught.
    const freePassed = w.at("passed", "free")!;
    expect(freePassed).toBeDefined();
    expect(servingOf(w, "pro")).toBeDefined();
    expect(w.at("passed", "pro")).toBeUndefined();
    const failed = failedOf(w.ledger);
    expect(failed).toMatchObject({ cohort: "free", cause: "deployment" });
    expect(failed?.reason).toContain("rolled back by the platform itself");
    expect(failed?.reason).toContain("after free's bake passed");
    expect(failed?.reason).toContain("while wave 2 baked");
    const releaseFailed = w.ledger.events().find((e) => e.type === "release-failed");
    expect(releaseFailed?.type === "release-failed" && releaseFailed.reason).toMatch(/^free: /);
    // Caught within one poll of the rollback.
    const failedAt = w.ledger.records.find((r) => (r.event as RolloutEvent).type === "failed")!.at;
    expect(rolledBackAt).toBeDefined();
    expect(failedAt).toBeGreaterThanOrEqual(rolledBackAt!);
    expect(failedAt).toBeLessThanOrEqual(rolledBackAt! + DEFAULT_POLICY.pollIntervalMs);
    // Every cohort the release reached is reverted, most critical first; enterprise never entered.
    expect(w.driver.reverts()).toEqual(["prod.pro", "prod.free"]);
    expect(w.driver.pinOf("prod.free")).toEqual(OLD_PIN);
    expect(w.driver.pinOf("prod.pro")).toEqual(OLD_PIN);
    expect(w.driver.applies()).toEqual(["prod.free", "prod.pro"]);
    expect(w.ledger.events().some((e) => "cohort" in e && e.cohort === "enterprise")).toBe(false);
  });

  it("a healthy run completes: the passed cohorts are checked during later bakes and nothing more is recorded", async () => {
    const w = await world({ cohorts: THREE });
    const result = await w.runner.run("r1");
    expect(result.outcome).toBe("completed");
    const freePassed = w.at("passed", "free")!.at;
    const proServing = servingOf(w, "pro");
    const proPassed = w.at("passed", "pro")!.at;
    const proBakeStart = proServing?.type === "deployment-observed" ? proServing.observedAt : 0;
    // free was checked throughout pro's bake (about once a poll), and free and pro throughout
    // enterprise's.
    const checksOf = (stack: string, from: number, to: number) =>
      w.watcher.checks.filter((c) => c.stack === stack && c.at > from && c.at <= to).length;
    const pollsPerBake = (5 * MIN) / DEFAULT_POLICY.pollIntervalMs;
    expect(checksOf("prod.free", proBakeStart, proPassed)).toBeGreaterThanOrEqual(pollsPerBake);
    const entServing = servingOf(w, "enterprise");
    const entBakeStart = entServing?.type === "deployment-observed" ? entServing.observedAt : 0;
    const entPassed = w.at("passed", "enterprise")!.at;
    for (const stack of ["prod.free", "prod.pro"])
      expect(checksOf(stack, entBakeStart, entPassed)).toBeGreaterThanOrEqual(pollsPerBake);
    // Healthy checks are not recorded: each cohort has its in-progress and its serving, no more,
    // none after its bake passed.
    const observed = w.ledger.records.filter(
      (r) => (r.event as RolloutEvent).type === "deployment-observed",
    );
    expect(observed).toHaveLength(6);
    expect(
      observed.filter(
        (r) => (r.event as { cohort: string }).cohort === "free" && r.at > freePassed,
      ),
    ).toEqual([]);
    // Nothing is checked once the release completed.
    const completedAt = w.ledger.records.find(
      (r) => (r.event as RolloutEvent).type === "completed",
    )!.at;
    expect(w.watcher.checks.filter((c) => c.at > completedAt)).toEqual([]);
  });
});

describe("decisions on folded ledgers", () => {
  const waves = withTimeout(wavesOf(TWO));
  const T0 = 1_000_000;
  const ref = refOf("prod.free", "td/prod.free:2");
  function records(...events: [number, RolloutEvent][]): FoldRecord[] {
    const planned: RolloutEvent = {
      type: "planned",
      release: "r1",
      releaseSpec: { id: "r1", version: "2.0.0", config: {} },
      environment: "prod",
      waves,
      policy: DEFAULT_POLICY,
    };
    return [[T0, planned] as [number, RolloutEvent], ...events].map(([at, event], i) => ({
      seq: i + 1,
      at,
      event,
    }));
  }
  const base = (at: number): [number, RolloutEvent][] => [
    [
      at,
      {
        type: "observed",
        release: "r1",
        cohort: "free",
        phase: "precheck",
        final: false,
        readings: [],
        takenAt: at,
      },
    ],
    [at, { type: "applying", release: "r1", cohort: "free", stack: "prod.free", attempt: 1 }],
    [
      at + MIN,
      {
        type: "applied",
        release: "r1",
        cohort: "free",
        recovered: false,
        deployment: ref,
      },
    ],
  ];
  const decideAt = (recs: FoldRecord[], now: number) => decide(fold(recs).releases.get("r1")!, now);

  it("an applied cohort with a deployment to watch awaits serving until its timeout", () => {
    const cmd = decideAt(records(...base(T0)), T0 + 2 * MIN);
    expect(cmd).toMatchObject({
      kind: "await-serving",
      deployment: ref,
      until: T0 + MIN + TIMEOUT_MS,
    });
  });

  it("in progress past the timeout fails the release with cause deployment", () => {
    const cmd = decideAt(
      records(...base(T0), [
        T0 + 3 * MIN,
        {
          type: "deployment-observed",
          release: "r1",
          cohort: "free",
          state: "in-progress",
          reason: "1/2 running",
          observedAt: T0 + MIN + TIMEOUT_MS,
        },
      ]),
      T0 + MIN + TIMEOUT_MS,
    );
    expect(cmd).toMatchObject({ kind: "record", event: { type: "failed", cause: "deployment" } });
  });

  it("past the timeout without a check since (a paused or killed run), it checks once more first", () => {
    const recs = records(...base(T0), [
      T0 + 3 * MIN,
      {
        type: "deployment-observed",
        release: "r1",
        cohort: "free",
        state: "in-progress",
        reason: "1/2 running",
        observedAt: T0 + 3 * MIN,
      },
    ]);
    expect(decideAt(recs, T0 + 5 * TIMEOUT_MS)).toMatchObject({ kind: "await-serving" });
  });

  it("once serving, the bake ends a full bake after serving, not after the update", () => {
    const servingAt = T0 + 5 * MIN;
    const cmd = decideAt(
      records(...base(T0), [
        servingAt + 10,
        {
          type: "deployment-observed",
          release: "r1",
          cohort: "free",
          state: "serving",
          reason: "COMPLETED",
          observedAt: servingAt,
        },
      ]),
      servingAt + MIN,
    );
    expect(cmd).toMatchObject({ kind: "observe", bakeEndsAt: { free: servingAt + 5 * MIN } });
  });

  it("a final healthy reading taken after the update's bake but before the serving bake does not pass", () => {
    const servingAt = T0 + 5 * MIN;
    const readAt = T0 + MIN + 5 * MIN + 1; // after applied + bake, before serving + bake
    const cmd = decideAt(
      records(
        ...base(T0),
        [
          servingAt,
          {
            type: "deployment-observed",
            release: "r1",
            cohort: "free",
            state: "serving",
            reason: "COMPLETED",
            observedAt: servingAt,
          },
        ],
        [
          readAt,
          {
            type: "observed",
            release: "r1",
            cohort: "free",
            phase: "bake",
            final: true,
            readings: [
              { name: "free-errors", exists: true, state: "OK" },
              { name: "free-latency", exists: true, state: "OK" },
            ],
            takenAt: readAt,
          },
        ],
      ),
      readAt + 1,
    );
    expect(cmd.kind).toBe("observe");
  });

  it("a rollback recorded mid-bake fails the release before any alarm verdict", () => {
    const cmd = decideAt(
      records(
        ...base(T0),
        [
          T0 + 5 * MIN,
          {
            type: "deployment-observed",
            release: "r1",
            cohort: "free",
            state: "serving",
            reason: "COMPLETED",
            observedAt: T0 + 5 * MIN,
          },
        ],
        [
          T0 + 7 * MIN,
          {
            type: "deployment-observed",
            release: "r1",
            cohort: "free",
            state: "rolled-back",
            reason: "primary runs td/old:1",
            observedAt: T0 + 7 * MIN,
          },
        ],
      ),
      T0 + 7 * MIN,
    );
    expect(cmd).toMatchObject({
      kind: "record",
      event: { type: "failed", cohort: "free", cause: "deployment" },
    });
  });

  /** free served, passed its bake; pro applied and serving: wave 2 bakes. */
  const freePassedProBaking = (): [number, RolloutEvent][] => {
    const ok = (cohort: string) => [
      { name: `${cohort}-errors`, exists: true, state: "OK" as const },
      { name: `${cohort}-latency`, exists: true, state: "OK" as const },
    ];
    const serving = (cohort: string, at: number): [number, RolloutEvent] => [
      at,
      {
        type: "deployment-observed",
        release: "r1",
        cohort,
        state: "serving",
        reason: "COMPLETED",
        observedAt: at,
      },
    ];
    return [
      ...base(T0),
      serving("free", T0 + 5 * MIN),
      [
        T0 + 10 * MIN,
        {
          type: "observed",
          release: "r1",
          cohort: "free",
          phase: "bake",
          final: true,
          readings: ok("free"),
          takenAt: T0 + 10 * MIN,
        },
      ],
      [T0 + 10 * MIN, { type: "passed", release: "r1", cohort: "free" }],
      [
        T0 + 10 * MIN,
        {
          type: "observed",
          release: "r1",
          cohort: "pro",
          phase: "precheck",
          final: false,
          readings: ok("pro"),
          takenAt: T0 + 10 * MIN,
        },
      ],
      [
        T0 + 10 * MIN,
        { type: "applying", release: "r1", cohort: "pro", stack: "prod.pro", attempt: 1 },
      ],
      [
        T0 + 11 * MIN,
        {
          type: "applied",
          release: "r1",
          cohort: "pro",
          recovered: false,
          deployment: refOf("prod.pro", "td/prod.pro:2"),
        },
      ],
      serving("pro", T0 + 15 * MIN),
    ];
  };

  it("while the next wave bakes, each poll also checks the deployment of the cohort that passed", () => {
    const cmd = decideAt(records(...freePassedProBaking()), T0 + 16 * MIN);
    expect(cmd).toMatchObject({ kind: "observe", targets: [{ cohort: "pro" }] });
    expect(cmd.kind === "observe" && cmd.watch.map((t) => t.cohort)).toEqual(["pro", "free"]);
  });

  it("a rollback of a passed cohort fails the release at it, naming the wave that baked", () => {
    const cmd = decideAt(
      records(...freePassedProBaking(), [
        T0 + 17 * MIN,
        {
          type: "deployment-observed",
          release: "r1",
          cohort: "free",
          state: "rolled-back",
          reason: "primary runs td/old:1",
          observedAt: T0 + 17 * MIN,
        },
      ]),
      T0 + 17 * MIN,
    );
    expect(cmd).toMatchObject({
      kind: "record",
      event: { type: "failed", cohort: "free", cause: "deployment" },
    });
    expect(cmd.kind === "record" && cmd.event.type === "failed" && cmd.event.reason).toBe(
      "the deployment of prod.free was rolled back by the platform itself, not by this rollout: primary runs td/old:1 (after free's bake passed, while wave 2 baked)",
    );
  });

  it("an applied without a deployment (older ledgers, platforms whose update awaits readiness) bakes from the update", () => {
    const recs = records(...base(T0));
    const applied = recs[3]?.event;
    if (applied?.type !== "applied") throw new Error("the fourth record is the applied");
    delete applied.deployment;
    expect(decideAt(recs, T0 + 2 * MIN)).toMatchObject({
      kind: "observe",
      bakeEndsAt: { free: T0 + MIN + 5 * MIN },
    });
  });
});
