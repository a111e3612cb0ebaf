/**
 * A train's bake watches the new version (issue #11, for trains): on a platform whose update
 * returns before the new version serves (ECS), a train cohort's bake — and the observation
 * window after it — starts when its deployment is seen serving, not when its update returned;
 * a deployment that fails, times out or is rolled back by the platform mid-bake — or during
 * the observation window after it — fails the release at that cohort, reverts it and holds the
 * releases behind it; a cohort whose stack exports no deployment (Kubernetes) counts its
 * update's return as serving. On a fake clock, through the real train controller and
 * scheduler, with ECS as a script.
 */
import { describe, expect, it } from "vitest";
import type { DeploymentRef } from "../../../components/contract.js";
import { foldDeploymentObserved } from "../../../stacks/rollout/core/deployment.js";
import { parseEvent } from "../../../stacks/rollout/core/events.js";
import type { DeploymentStatus, DeploymentWatcher } from "../../../stacks/rollout/core/ports.js";
import { foldTrain } from "../../../stacks/rollout/core/train/state.js";
import { formatTrainStatus, trainStatus } from "../../../stacks/rollout/core/train/status.js";
import type { FakeDriver } from "../../kit/driver.js";
import { MIN, TrainWorld, cohort, policy, waves } from "./train-world.js";

/** ECS takes this long from an update's return to a completed deployment. */
const DEPLOY_MS = 4 * MIN;

function refOf(stack: string, taskDefinition: string): DeploymentRef {
  return {
    platform: "ecs",
    cluster: `arn:aws:ecs:eu-west-1:123456789012:cluster/${stack}`,
    service: `arn:aws:ecs:eu-west-1:123456789012:service/${stack}/app`,
    taskDefinition,
  };
}

/** ECS as a script: `(stack, release on it, ms since its update returned)`; every check recorded. */
class ScriptedEcs implements DeploymentWatcher {
  checks: { stack: string; at: number }[] = [];
  /** When each stack's latest update returned. */
  readonly returned = new Map<string, number>();
  constructor(
    private readonly w: TrainWorld,
    public script: (
      stack: string,
      release: string | undefined,
      sinceMs: number,
    ) => DeploymentStatus,
  ) {}
  check(ref: DeploymentRef): Promise<DeploymentStatus> {
    const stack = ref.cluster.split("/").at(-1) ?? "";
    const now = this.w.clock.now();
    this.checks.push({ stack, at: now });
    const since = now - (this.returned.get(stack) ?? now);
    return Promise.resolve(this.script(stack, this.w.driver.pinOf(stack)?.release, since));
  }
}

const serving: DeploymentStatus = {
  state: "serving",
  reason: "rolloutState COMPLETED, 2/2 running, old tasks drained",
};
const inProgress: DeploymentStatus = {
  state: "in-progress",
  reason: "rolloutState IN_PROGRESS, 1/2 running",
};

/** ECS by default: serving DEPLOY_MS after the update returned. */
const ecsTiming = (_s: string, _r: string | undefined, since: number): DeploymentStatus =>
  since >= DEPLOY_MS ? serving : inProgress;

/**
 * A train world whose cohort stacks export an ECS deployment (a new task definition per
 * update), except those in `kubernetes` (no `deployment` output), watched by a scripted ECS.
 */
function ecsWorld(
  w: TrainWorld,
  opts: { kubernetes?: Set<string>; script?: ScriptedEcs["script"] } = {},
): ScriptedEcs {
  const ecs = new ScriptedEcs(w, opts.script ?? ecsTiming);
  const driver: FakeDriver = w.driver;
  driver.outputs = (stack?: string) => {
    const name = stack ?? "";
    const c = name.split(".")[1] ?? name;
    if (opts.kubernetes?.has(c)) return Promise.resolve({ cohorts: { [c]: {} } });
    const history = driver.stacks.get(name)?.history.length ?? 0;
    return Promise.resolve({
      cohorts: { [c]: { deployment: refOf(name, `td/${name}:${String(history)}`) } },
    });
  };
  const apply = driver.apply.bind(driver);
  driver.apply = async (...args: Parameters<FakeDriver["apply"]>) => {
    const result = await apply(...args);
    ecs.returned.set(args[0], w.clock.now());
    return result;
  };
  w.deployments = ecs;
  return ecs;
}

type Ev = ReturnType<TrainWorld["records"]>[number];

function recordOf(w: TrainWorld, type: string, release: string, cohort: string): Ev {
  const r = w
    .records()
    .find(
      (x) =>
        x.event.type === type &&
        x.event.release === release &&
        (x.event as { cohort?: string }).cohort === cohort,
    );
  if (!r) throw new Error(`no ${type} of ${release}/${cohort}`);
  return r;
}

describe("a train's bake starts when the new version serves", () => {
  it("counts the bake (and the observation window after it) from serving, not from the update's return", async () => {
    const w = new TrainWorld(
      waves([cohort("a", { observationMs: 5 * MIN })], [cohort("b")]),
      policy({ order: "queue" }),
    );
    const ecs = ecsWorld(w);
    await w.submit("r1");
    expect((await w.controller().run()).outcome).toBe("idle");
    expect(w.finished()).toEqual({ r1: "completed" });

    const applied = recordOf(w, "applied", "r1", "a");
    expect(applied.event).toMatchObject({ deployment: { platform: "ecs" } });
    const seen = recordOf(w, "deployment-observed", "r1", "a").event;
    expect(seen).toMatchObject({ state: "in-progress" });
    const servingRec = w
      .records()
      .find(
        (x) =>
          x.event.type === "deployment-observed" &&
          x.event.cohort === "a" &&
          x.event.state === "serving",
      );
    if (servingRec?.event.type !== "deployment-observed") throw new Error("never served");
    const servingAt = servingRec.event.observedAt;
    expect(servingAt - applied.at).toBeGreaterThanOrEqual(DEPLOY_MS);
    // The bake is 10 minutes of the new version serving; from the update's return it would
    // have passed 4 minutes earlier, while ECS still drained the old tasks.
    const passed = recordOf(w, "passed", "r1", "a");
    expect(passed.at).toBeGreaterThanOrEqual(servingAt + 10 * MIN);
    expect(passed.at).toBeLessThan(servingAt + 12 * MIN);
    // No alarm read before serving counts for the bake: the first is taken at serving or later.
    const reads = w
      .records()
      .filter((x) => x.event.type === "observed" && x.event.cohort === "a")
      .map((x) => (x.event.type === "observed" ? (x.event.takenAt ?? x.at) : 0));
    expect(Math.min(...reads)).toBeGreaterThanOrEqual(servingAt);
    // The observation window follows the bake, so it too counts from serving.
    const settled = recordOf(w, "train-settled", "r1", "a");
    expect(settled.at).toBeGreaterThanOrEqual(servingAt + 15 * MIN);
    // Every event the controller wrote is a valid ledger event (the runner's shapes).
    for (const r of w.records()) expect(() => parseEvent(r.event)).not.toThrow();
    // Checks keep the poll cadence while deploying (no busy loop).
    const checksA = ecs.checks.filter((c) => c.stack === "prod.a" && c.at < servingAt + MIN);
    expect(checksA.length).toBeLessThanOrEqual(DEPLOY_MS / MIN + 2);
  });

  it("shows `deploying` (with ECS's progress) in the train's status until the version serves", async () => {
    const w = new TrainWorld(waves([cohort("a")]), policy());
    ecsWorld(w);
    await w.submit("r1");
    await w.controller().run();
    const applied = recordOf(w, "applied", "r1", "a");
    const before = w.records().filter((r) => r.at < applied.at + DEPLOY_MS);
    const st = trainStatus(foldTrain(before), applied.at + 2 * MIN);
    const r1 = st.releases[0];
    expect(r1?.cohorts).toEqual([
      { cohort: "a", wave: 0, phase: "deploying", progress: inProgress.reason },
    ]);
    expect(r1?.waits).toContainEqual(
      expect.objectContaining({ cohort: "a", waitingFor: "deployment" }),
    );
    expect(formatTrainStatus(st)).toContain("a(w1):deploying");
    // Once serving: baking (an alarm read is due at once), no longer deploying.
    const served = w
      .records()
      .find((r) => r.event.type === "deployment-observed" && r.event.state === "serving");
    if (!served) throw new Error("never served");
    const after = trainStatus(foldTrain(w.records().filter((r) => r.seq <= served.seq)), served.at);
    expect(after.releases[0]?.cohorts[0]?.phase).toBe("applied");
    expect(after.releases[0]?.waits.map((x) => x.waitingFor)).not.toContain("deployment");
  });

  it("counts a cohort's update return as serving when its stack exports no deployment (Kubernetes)", async () => {
    const w = new TrainWorld(waves([cohort("a")], [cohort("k8s")]), policy());
    const ecs = ecsWorld(w, { kubernetes: new Set(["k8s"]) });
    await w.submit("r1");
    expect((await w.controller().run()).outcome).toBe("idle");
    expect(w.finished()).toEqual({ r1: "completed" });
    const applied = recordOf(w, "applied", "r1", "k8s");
    expect(applied.event).not.toHaveProperty("deployment");
    const passed = recordOf(w, "passed", "r1", "k8s");
    expect(passed.at - applied.at).toBeGreaterThanOrEqual(10 * MIN);
    expect(passed.at - applied.at).toBeLessThan(11 * MIN);
    expect(ecs.checks.filter((c) => c.stack === "prod.k8s")).toEqual([]);
    expect(
      w.records().filter((r) => r.event.type === "deployment-observed" && r.event.cohort === "k8s"),
    ).toEqual([]);
  });
});

describe("a train's deployment that does not serve", () => {
  it("fails the release at a failed deployment, reverts it and holds the releases behind it", async () => {
    const w = new TrainWorld(waves([cohort("a")], [cohort("b")]), policy({ order: "queue" }));
    ecsWorld(w, {
      script: (stack, release, since) =>
        stack === "prod.b" && release === "r1" && since >= 2 * MIN
          ? { state: "failed", reason: "ECS deployment circuit breaker: tasks failed to start" }
          : ecsTiming(stack, release, since),
    });
    await w.submit("r1");
    await w.submit("r2");
    const result = await w.controller().run();
    expect(result.outcome).toBe("needs-human");
    expect(recordOf(w, "failed", "r1", "b").event).toMatchObject({
      cause: "deployment",
      reason: expect.stringContaining("circuit breaker") as unknown,
    });
    // No bake ran on b: the version never served.
    expect(
      w.records().filter((r) => r.event.type === "observed" && r.event.cohort === "b"),
    ).toEqual([]);
    expect(w.driver.reverts()).toContain("prod.b");
    expect(w.driver.pinOf("prod.b")?.release).toBe("r0");
    expect(w.finished()).toMatchObject({ r1: "failed" });
    expect(w.records().find((r) => r.event.type === "train-held")?.event).toMatchObject({
      release: "r2",
      cause: "r1",
    });
  });

  it("fails the release when the new version does not serve within the cohort's deployment timeout", async () => {
    const w = new TrainWorld(
      waves([cohort("a", { deploymentTimeoutMs: 15 * MIN })]),
      policy({ order: "queue" }),
    );
    ecsWorld(w, { script: () => inProgress });
    await w.submit("r1");
    await w.controller().run();
    const applied = recordOf(w, "applied", "r1", "a");
    const failed = recordOf(w, "failed", "r1", "a");
    expect(failed.event).toMatchObject({
      cause: "deployment",
      reason: expect.stringContaining("deployment timeout") as unknown,
    });
    expect(failed.at - applied.at).toBeGreaterThanOrEqual(15 * MIN);
    expect(failed.at - applied.at).toBeLessThan(17 * MIN);
    expect(w.finished()).toEqual({ r1: "failed" });
    expect(w.driver.pinOf("prod.a")?.release).toBe("r0");
  });

  it("detects a rollback by the platform mid-bake, fails the release and reverts through the stack", async () => {
    const w = new TrainWorld(waves([cohort("a")], [cohort("b")]), policy({ order: "queue" }));
    ecsWorld(w, {
      script: (stack, release, since) =>
        stack === "prod.a" && release === "r1" && since >= DEPLOY_MS + 3 * MIN
          ? { state: "rolled-back", reason: "another task definition is PRIMARY (ECS rollback)" }
          : ecsTiming(stack, release, since),
    });
    await w.submit("r1");
    await w.submit("r2");
    expect((await w.controller().run()).outcome).toBe("needs-human");
    const rolled = w
      .records()
      .find((r) => r.event.type === "deployment-observed" && r.event.state === "rolled-back");
    expect(rolled?.event).toMatchObject({ release: "r1", cohort: "a" });
    const failed = recordOf(w, "failed", "r1", "a");
    expect(failed.event).toMatchObject({
      cause: "deployment",
      reason: expect.stringContaining("rolled back by the platform itself") as unknown,
    });
    // Mid-bake: after serving, before the bake's end.
    const servingAt = recordOf(w, "applied", "r1", "a").at + DEPLOY_MS;
    expect(failed.at).toBeGreaterThan(servingAt);
    expect(failed.at).toBeLessThan(servingAt + 10 * MIN);
    expect(w.records().some((r) => r.event.type === "passed")).toBe(false);
    expect(w.driver.reverts()).toEqual(["prod.a"]);
    expect(w.finished()).toEqual({ r1: "failed" });
    expect(w.records().find((r) => r.event.type === "train-held")?.event).toMatchObject({
      release: "r2",
    });
  });
});

describe("a train's observation window watches the deployment as its bake does", () => {
  /** Wave 1 `a` observes 30 minutes after its bake; wave 2 `b` is entered once `a` passed. */
  const plan = () => waves([cohort("a", { observationMs: 30 * MIN })], [cohort("b")]);

  it("fails the cohort (cause deployment) when the platform rolls it back in the window, reverts every cohort the release reached and holds the releases behind", async () => {
    const w = new TrainWorld(plan(), policy({ order: "queue" }));
    // ECS rolls r1 back on a 15 minutes after it served: its bake (10 minutes) has passed,
    // its 30-minute observation window runs, and r1 has entered b meanwhile.
    ecsWorld(w, {
      script: (stack, release, since) =>
        stack === "prod.a" && release === "r1" && since >= DEPLOY_MS + 15 * MIN
          ? { state: "rolled-back", reason: "another task definition is PRIMARY (ECS rollback)" }
          : ecsTiming(stack, release, since),
    });
    await w.submit("r1");
    await w.submit("r2");
    expect((await w.controller().run()).outcome).toBe("needs-human");

    const passed = recordOf(w, "passed", "r1", "a");
    const failed = recordOf(w, "failed", "r1", "a");
    expect(failed.event).toMatchObject({
      cause: "deployment",
      reason: expect.stringMatching(
        /rolled back by the platform itself.*into the 1800s observation window after the bake/,
      ) as unknown,
    });
    // In the window: after the bake passed, before the window's end; never settled.
    expect(failed.at).toBeGreaterThan(passed.at);
    expect(failed.at).toBeLessThan(passed.at + 30 * MIN);
    expect(w.records().some((r) => r.event.type === "train-settled")).toBe(false);
    // r1 had reached b: both are reverted, and both run the release before it again.
    recordOf(w, "train-entered", "r1", "b");
    expect([...w.driver.reverts()].sort()).toEqual(["prod.a", "prod.b"]);
    expect(w.driver.pinOf("prod.a")?.release).toBe("r0");
    expect(w.driver.pinOf("prod.b")?.release).toBe("r0");
    expect(w.finished()).toEqual({ r1: "failed" });
    expect(w.records().find((r) => r.event.type === "train-held")?.event).toMatchObject({
      release: "r2",
      cause: "r1",
    });
    expect(w.entries().filter((e) => e.release === "r2")).toEqual([]);
  });

  it("settles a cohort whose deployment stays healthy through the window, having checked it there", async () => {
    const w = new TrainWorld(plan(), policy({ order: "queue" }));
    const ecs = ecsWorld(w);
    await w.submit("r1");
    expect((await w.controller().run()).outcome).toBe("idle");
    expect(w.finished()).toEqual({ r1: "completed" });
    const passed = recordOf(w, "passed", "r1", "a");
    const settled = recordOf(w, "train-settled", "r1", "a");
    expect(settled.at).toBeGreaterThanOrEqual(passed.at + 30 * MIN);
    // The window checked the deployment every poll (a serving check records nothing).
    const inWindow = ecs.checks.filter(
      (c) => c.stack === "prod.a" && c.at > passed.at && c.at <= settled.at,
    );
    expect(inWindow.length).toBeGreaterThanOrEqual(25);
    expect(
      w
        .records()
        .filter(
          (r) =>
            r.event.type === "deployment-observed" && r.event.cohort === "a" && r.at > passed.at,
        ),
    ).toEqual([]);
  });

  it("takes a check on a passed cohort (a train's window, a single release's later waves), not on one that failed or went back", () => {
    const rolledBack = {
      type: "deployment-observed" as const,
      release: "r1",
      cohort: "a",
      state: "rolled-back" as const,
      reason: "another task definition is PRIMARY (ECS rollback)",
      observedAt: 1_000,
    };
    const passed = { phase: "passed", servingAt: 0 };
    foldDeploymentObserved(passed, rolledBack);
    expect(passed).toMatchObject({
      deploymentFailure: { state: "rolled-back" },
      deploymentCheckedAt: 1_000,
    });
    for (const phase of ["failed", "reverting", "reverted"]) {
      const gone = { phase, servingAt: 0 };
      foldDeploymentObserved(gone, rolledBack);
      expect(gone).toEqual({ phase, servingAt: 0 });
    }
  });
});
