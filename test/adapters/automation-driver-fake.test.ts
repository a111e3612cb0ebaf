/**
 * The AutomationDriver end to end through the real Automation API and the
 * fake `pulumi` CLI (test/support/fake-pulumi): apply, history, revert
 * (including from an older program revision in a git worktree), locks,
 * interrupted updates and refresh, and a bad version firing alarms in moto.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cohortOutputSchema,
  environmentOutputSchema,
  type EnvironmentOutput,
} from "../../components/contract.js";
import { AutomationDriver } from "../../stacks/rollout/adapters/automation-driver.js";
import { CloudWatchGate } from "../../stacks/rollout/adapters/cloudwatch-gate.js";
import type { Release } from "../../stacks/rollout/ports.js";
import {
  createFakePulumiProject,
  removeFakePulumiProjects,
} from "../support/fake-pulumi/project.js";
import { awsTestClientConfig, ensureMoto, startMoto, type MotoServer } from "../support/moto.js";

const environment: EnvironmentOutput = {
  name: "prod",
  edgeStack: "prod",
  cohorts: [
    { name: "free", criticality: 0, bakeSeconds: 300, minIntervalSeconds: 0, stack: "prod.free" },
    { name: "pro", criticality: 1, bakeSeconds: 600, minIntervalSeconds: 0, stack: "prod.pro" },
  ],
};

const r = (id: string, version: string, config: Record<string, string> = {}): Release => ({
  id,
  version,
  config,
});

async function waitFor(condition: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

afterAll(removeFakePulumiProjects);

describe("AutomationDriver with the fake pulumi CLI", () => {
  it("applies releases, reads pins, outputs and history, and reverts to the last good update", async () => {
    const fake = createFakePulumiProject({ environment, storageReplaceVersions: ["3.0.0"] });
    const driver = new AutomationDriver(fake.driverOptions);

    expect(await driver.readPin("prod.free")).toBeUndefined();
    expect(await driver.lastGoodUpdate("prod.free")).toBeUndefined();

    const first = await driver.apply("prod.free", r("r1", "1.0.0", { LOG: "info" }));
    expect(first).toEqual({ ok: true, updateVersion: 1 });
    expect(await driver.readPin("prod.free")).toEqual({
      release: "r1",
      version: "1.0.0",
      config: { LOG: "info" },
    });
    const outputs = await driver.outputs("prod.free");
    const cohort = cohortOutputSchema.parse((outputs.cohorts as Record<string, unknown>).free);
    expect(cohort.pin.version).toBe("1.0.0");
    expect(cohort.alarmNames).toContain(cohort.compositeAlarmName);

    const good = await driver.lastGoodUpdate("prod.free");
    expect(good?.version).toBe(1);
    expect(JSON.parse(good?.config["cohort-service:pin"] ?? "{}")).toMatchObject({
      version: "1.0.0",
    });

    // A preview of 3.0.0 shows the storage replacement, and changes nothing.
    const preview = await driver.preview("prod.free", r("r3", "3.0.0"));
    expect(preview.changes).toContainEqual(
      expect.objectContaining({ type: "aws:dynamodb/table:Table", op: "replace" }),
    );
    expect(preview.changes).toContainEqual(
      expect.objectContaining({ type: "aws:ecs/service:Service", op: "update" }),
    );
    expect(preview.summary.replace).toBeGreaterThanOrEqual(1);
    expect((await driver.readPin("prod.free"))?.version).toBe("1.0.0");

    // A failing update: history records it failed; the last good update is still r1's.
    fake.writeFixture({ environment, faults: { "prod.free": [{ mode: "fail", times: 1 }] } });
    const failed = await driver.apply("prod.free", r("r2", "2.0.0"));
    expect(failed.ok).toBe(false);
    expect(failed.error).toMatch(/update failed/);
    expect(failed.locked).toBeUndefined();
    expect((await driver.lastGoodUpdate("prod.free"))?.version).toBe(1);

    // Revert returns the stack to r1's config exactly.
    const reverted = await driver.revert("prod.free", good!);
    expect(reverted.ok).toBe(true);
    expect(await driver.readPin("prod.free")).toEqual({
      release: "r1",
      version: "1.0.0",
      config: { LOG: "info" },
    });
    const history = await driver.history("prod.free");
    expect(history.map((h) => h.result)).toEqual(["succeeded", "failed", "succeeded"]);
    expect(
      ((await driver.outputs("prod.free")).cohorts as Record<string, { pin: { version: string } }>)
        .free?.pin.version,
    ).toBe("1.0.0");

    // The other cohort's stack was never touched.
    expect(await driver.readPin("prod.pro")).toBeUndefined();
  });

  it("applies edge config to the edge stack, which outputs the environment", async () => {
    const fake = createFakePulumiProject({ environment });
    const driver = new AutomationDriver(fake.driverOptions);
    await driver.apply("prod.free", r("r1", "1.0.0"));
    // Mark the stack as the edge, as the environment's stack config would.
    execFileSync(
      join(fake.driverOptions.pulumiRoot ?? "", "bin", "pulumi"),
      ["stack", "init", "prod"],
      { cwd: fake.workDir, env: { ...process.env, ...fake.env } },
    );
    execFileSync(
      join(fake.driverOptions.pulumiRoot ?? "", "bin", "pulumi"),
      ["config", "set-all", "--stack", "prod", "--plaintext", "part=edge"],
      { cwd: fake.workDir, env: { ...process.env, ...fake.env } },
    );
    const result = await driver.apply("prod", {
      ...r("r1", "1.0.0"),
      edgeConfig: { tlsPolicy: "TLS13" },
    });
    expect(result.ok).toBe(true);
    const outputs = await driver.outputs("prod");
    expect(environmentOutputSchema.parse(outputs.environment).cohorts.map((c) => c.name)).toEqual([
      "free",
      "pro",
    ]);
    expect(fake.stackState("prod").config["cohort-service:tlsPolicy"]?.value).toBe("TLS13");
    expect(fake.stackState("prod").config["cohort-service:pin"]).toBeUndefined();
  });

  it("reports a locked stack, cancels a hung update on abort, and refreshes before the next update", async () => {
    const fake = createFakePulumiProject({ environment });
    const driver = new AutomationDriver(fake.driverOptions);
    expect((await driver.apply("prod.free", r("r1", "1.0.0"))).ok).toBe(true);

    fake.writeFixture({ environment, faults: { "prod.free": [{ mode: "hang", times: 1 }] } });
    const abort = new AbortController();
    const hung = driver.apply("prod.free", r("r2", "2.0.0"), undefined, abort.signal);
    await waitFor(
      () => fake.isLocked("prod.free") && fake.stackState("prod.free").pending.length > 0,
    );

    const second = await driver.apply("prod.free", r("r3", "3.0.0"));
    expect(second.ok).toBe(false);
    expect(second.locked).toBe(true);

    abort.abort();
    const cancelled = await hung;
    expect(cancelled.ok).toBe(false);
    expect(cancelled.error).toMatch(/canceled/);
    expect(fake.isLocked("prod.free")).toBe(false);

    // The cancelled update left a pending operation: the CLI refuses a plain
    // `up`, so the driver refreshes (--clear-pending-creates) and retries once,
    // saying so in its progress.
    expect(fake.stackState("prod.free").pending.length).toBeGreaterThan(0);
    const progress: string[] = [];
    const retried = await driver.apply("prod.free", r("r2", "2.0.0"), (line) => {
      progress.push(line);
    });
    expect(retried).toMatchObject({ ok: true });
    expect(progress.some((line) => /pending operations; refreshing/.test(line))).toBe(true);
    expect(fake.stackState("prod.free").pending).toEqual([]);
    expect((await driver.readPin("prod.free"))?.version).toBe("2.0.0");
    expect(fake.isLocked("prod.free")).toBe(false);
  });

  it("recovers from a CLI that crashed mid-update (lock held by a dead pid, pending operation)", async () => {
    const fake = createFakePulumiProject({
      environment,
      faults: { "prod.free": [{ mode: "crash", times: 1, version: "2.0.0" }] },
    });
    const driver = new AutomationDriver(fake.driverOptions);
    expect((await driver.apply("prod.free", r("r1", "1.0.0"))).ok).toBe(true);
    const crashed = await driver.apply("prod.free", r("r2", "2.0.0"));
    expect(crashed.ok).toBe(false);
    expect(fake.isLocked("prod.free")).toBe(true);
    expect(fake.stackState("prod.free").pending).toHaveLength(1);
    // The crashed update never reached history: the last good update is still r1.
    expect((await driver.lastGoodUpdate("prod.free"))?.version).toBe(1);
    expect((await driver.refresh("prod.free")).ok).toBe(true);
    expect((await driver.apply("prod.free", r("r2", "2.0.0"))).ok).toBe(true);
  });

  it("reverts to an update made from an older program revision through a git worktree", async () => {
    const repo = mkdtempSync(join(tmpdir(), "driver-git-"));
    const git = (...args: string[]) =>
      execFileSync("git", ["-C", repo, ...args], { encoding: "utf8" }).trim();
    git("init", "-q");
    git("config", "user.email", "t@example.test");
    git("config", "user.name", "test");
    writeFileSync(join(repo, "Pulumi.yaml"), "name: cohort-service\nruntime: nodejs\n");
    writeFileSync(join(repo, "program.txt"), "v1\n");
    git("add", ".");
    git("commit", "-q", "-m", "one");
    const oldRev = git("rev-parse", "HEAD");

    const fake = createFakePulumiProject({ environment, workDir: repo });
    const driver = new AutomationDriver(fake.driverOptions);
    expect((await driver.apply("prod.free", r("r1", "1.0.0"))).ok).toBe(true);
    const good = await driver.lastGoodUpdate("prod.free");
    expect(good?.programRevision).toBe(oldRev);

    writeFileSync(join(repo, "program.txt"), "v2\n");
    git("commit", "-q", "-am", "two");
    const newRev = git("rev-parse", "HEAD");
    expect((await driver.apply("prod.free", r("r2", "2.0.0"))).ok).toBe(true);
    expect((await driver.lastGoodUpdate("prod.free"))?.programRevision).toBe(newRev);

    const progress: string[] = [];
    const reverted = await driver.revert("prod.free", good!, (l) => progress.push(l));
    expect(reverted.ok).toBe(true);
    expect(progress.some((l) => l.includes(`checking out program revision ${oldRev}`))).toBe(true);
    const [latest] = await driver.history("prod.free", 1);
    expect(latest?.programRevision).toBe(oldRev);
    // The fake records the commit its cwd was at, like the real CLI's git.head.
    const entry = fake.stackState("prod.free").history[0] as {
      environment: Record<string, string>;
    };
    expect(entry.environment["git.head"]).toBe(oldRev);
    // The main tree's config follows the revert; the worktree is gone.
    expect((await driver.readPin("prod.free"))?.version).toBe("1.0.0");
    expect(git("worktree", "list").split("\n")).toHaveLength(1);
  });
});

const moto = await ensureMoto();

describe.skipIf(!moto.available)(`fake pulumi alarm effects in moto ${moto.reason ?? ""}`, () => {
  let aws: MotoServer;
  beforeAll(async () => {
    aws = await startMoto();
  });
  afterAll(async () => {
    await aws.stop();
  });

  it("a bad version fires the cohort's alarms; reverting to a good one clears them", async () => {
    const fake = createFakePulumiProject({
      environment,
      badVersions: ["6.6.6"],
      cloudwatchEndpoint: aws.endpoint,
    });
    const driver = new AutomationDriver(fake.driverOptions);
    const gate = new CloudWatchGate(awsTestClientConfig(aws.endpoint));
    expect((await driver.apply("prod.free", r("r1", "1.0.0"))).ok).toBe(true);
    const names = ["free-5xx", "free-latency-p99", "free-health"];
    expect((await gate.read(names)).map((a) => [a.exists, a.state])).toEqual(
      names.map(() => [true, "OK"]),
    );
    const good = await driver.lastGoodUpdate("prod.free");

    expect((await driver.apply("prod.free", r("r-bad", "6.6.6"))).ok).toBe(true);
    const fired = await gate.read(names);
    expect(fired.map((a) => a.state)).toEqual(["ALARM", "ALARM", "ALARM"]);
    expect(fired.find((a) => a.name === "free-health")?.kind).toBe("composite");
    // The other cohort's alarms do not exist: it was never deployed.
    expect((await gate.read(["pro-5xx"]))[0]?.exists).toBe(false);

    expect((await driver.revert("prod.free", good!)).ok).toBe(true);
    expect((await gate.read(names)).map((a) => a.state)).toEqual(["OK", "OK", "OK"]);
    gate.close();
  });
});
