/**
 * The train commands in-process: the real CLI (main.ts), the real file ledger, snapshot and
 * lease in a temp project, a FileWorld for stacks and alarms, and a virtual clock. Checks
 * `submit`, `run`, `deploy --train`, `status --train` (text and --json), their exit codes,
 * and that bad input is one error naming every problem with nothing recorded.
 */
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { FileLedger } from "../../../stacks/rollout/adapters/ledger-file.js";
import type { CliIo } from "../../../stacks/rollout/cli/commands/context.js";
import { main } from "../../../stacks/rollout/cli/main.js";
import type { RolloutEvent } from "../../../stacks/rollout/core/events.js";
import type { TrainStatus } from "../../../stacks/rollout/core/train/status.js";
import { FakeClock } from "../../kit/clock.js";
import { FileWorld, threeCohortWorld, worldPorts } from "../../kit/file-world.js";

let dir: string;
let clock: FakeClock;
let world: FileWorld;
let trainFile: string;

const MIN = 60_000;

function train(extra: Record<string, unknown> = {}) {
  const c = (name: string, more: Record<string, unknown> = {}) => ({
    cohort: name,
    stack: `prod.${name}`,
    bakeMs: 10 * MIN,
    alarmNames: [`${name}-errors`],
    ...more,
  });
  return {
    waves: [
      { index: 0, cohorts: [c("free")] },
      { index: 1, cohorts: [c("pro"), c("enterprise")] },
    ],
    policy: { order: "queue", pollIntervalMs: MIN },
    ...extra,
  };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "train-cli-"));
  writeFileSync(join(dir, "Pulumi.yaml"), "name: cohort-service\nruntime: nodejs\n");
  clock = new FakeClock(Date.UTC(2026, 11, 1, 10));
  world = FileWorld.create(join(dir, "world.json"), threeCohortWorld(), clock);
  trainFile = join(dir, "train.json");
  writeFileSync(trainFile, JSON.stringify(train()));
});

async function cli(...args: string[]) {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    isTTY: false,
    env: {},
  };
  const code = await main(args, { io, ports: worldPorts(world, clock) });
  return { code, stdout, stderr };
}

/** Versions whose alarm fires once applied (FileWorld's script). */
function badVersions(...versions: string[]): void {
  writeFileSync(world.path, JSON.stringify({ ...world.load(), badVersions: versions }));
}

const ENV = () => ["--environment", "prod", "--project-dir", dir];
const LEDGER = () => join(dir, ".rollout", "prod.ledger.jsonl");

async function events(): Promise<RolloutEvent[]> {
  return (await new FileLedger(LEDGER()).read()).map((r) => r.event as RolloutEvent);
}

const submit = (id: string, ...more: string[]) =>
  cli("submit", ...ENV(), "--train", trainFile, "--release", id, ...more);

describe("cohort-rollout submit / run / status --train", () => {
  it("submits releases, shows them queued, runs them to completion (exit 0) and saves a snapshot", async () => {
    expect((await submit("r1", "--version", "2.0.0")).code).toBe(0);
    const cfg = await submit("r2", "--config", "FEATURE_X=on", "--json");
    expect(cfg.code).toBe(0);
    expect(JSON.parse(cfg.stdout)).toMatchObject({ kind: "submitted", release: "r2", seq: 2 });

    const text = await cli("status", ...ENV(), "--train");
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("2 release(s) in flight");
    expect(text.stdout).toMatch(/r1 \[queued\] 2\.0\.0/);
    expect(text.stdout).toMatch(/r2 \[queued\] config \{"FEATURE_X":"on"\}/);
    // r2 waits for r1 to go through free first: the reason is named.
    expect(text.stdout).toMatch(/r2[\s\S]*waits for slot at free: free holds r1/);

    const json = await cli("status", ...ENV(), "--train", "--json");
    const st = JSON.parse(json.stdout) as TrainStatus;
    expect(st.releases.map((r) => [r.release, r.state, r.kind])).toEqual([
      ["r1", "queued", "version"],
      ["r2", "queued", "config"],
    ]);

    const run = await cli("run", ...ENV(), "--json");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      kind: "train-run",
      outcome: "idle",
      finished: { r1: "completed", r2: "completed" },
    });
    // The configuration release kept r1's version and added its flag.
    const pin = world.pinOf("prod.enterprise");
    expect(pin).toMatchObject({ release: "r2", version: "2.0.0", config: { FEATURE_X: "on" } });
    expect((await cli("status", ...ENV(), "--train")).stdout).toContain("no release in flight");
    expect(existsSync(`${LEDGER()}.train-snapshot.json`)).toBe(true);
  });

  it("history --release shows a train release's events; status --release points to status --train", async () => {
    await submit("r1", "--version", "2.0.0");
    await submit("r2", "--config", "FEATURE_X=on");
    expect((await cli("run", ...ENV())).code).toBe(0);

    const history = await cli("history", ...ENV(), "--release", "r1", "--json");
    expect(history.code).toBe(0);
    const shown = (JSON.parse(history.stdout) as { records: { event: RolloutEvent }[] }).records;
    expect(new Set(shown.map((r) => r.event.release))).toEqual(new Set(["r1"]));
    expect(shown.map((r) => r.event.type)).toContain("train-finished");
    expect(shown.length).toBe((await events()).filter((e) => e.release === "r1").length);
    const text = await cli("history", ...ENV(), "--release", "r2");
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("r2");

    const status = await cli("status", ...ENV(), "--release", "r1");
    expect(status.code).toBe(2);
    expect(status.stderr).toMatch(/r1 is a train release.*status --environment prod .*--train/);
    const unknown = await cli("history", ...ENV(), "--release", "r9");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no release "r9".*recent: r1, r2/);
  });

  it("run exits 1 when a release was reverted and 3 when a later one is held for a human", async () => {
    badVersions("2.0.0");
    await submit("r1", "--version", "2.0.0");
    await submit("r2", "--version", "2.0.1");
    const run = await cli("run", ...ENV());
    // r1 failed and was reverted; r2 (behind it, containing it) waits for a human.
    expect(run.code).toBe(3);
    const st = JSON.parse(
      (await cli("status", ...ENV(), "--train", "--json")).stdout,
    ) as TrainStatus;
    expect(st.releases.map((r) => [r.release, r.state])).toEqual([["r2", "held"]]);
    expect(st.releases[0]?.waits[0]).toMatchObject({ waitingFor: "human" });
    expect((await events()).filter((e) => e.type === "train-finished")).toMatchObject([
      { release: "r1", outcome: "failed" },
    ]);
  });

  it("deploy --train submits and follows its release: 0 completed, 1 reverted", async () => {
    const ok = await cli(
      "deploy",
      ...ENV(),
      "--train",
      trainFile,
      "--release",
      "r1",
      "--version",
      "2.0.0",
      "--json",
    );
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      release: "r1",
      outcome: "completed",
      exitCode: 0,
    });

    badVersions("3.0.0");
    const bad = await cli(
      "deploy",
      ...ENV(),
      "--train",
      trainFile,
      "--release",
      "r2",
      "--version",
      "3.0.0",
    );
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("r2 failed");
  });

  it("refuses bad input in one error naming every problem, recording nothing", async () => {
    writeFileSync(
      trainFile,
      JSON.stringify(
        train({
          waves: [
            {
              index: 1,
              cohorts: [
                {
                  cohort: "free",
                  stack: "prod.free",
                  bakeMs: -1,
                  alarmNames: ["free-errors"],
                  cadence: { timeZone: "Mars/Olympus" },
                },
              ],
            },
          ],
        }),
      ),
    );
    const res = await submit("r1", "--version", "2.0.0");
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("waves.0.index");
    expect(res.stderr).toContain("waves.0.cohorts.0.bakeMs");
    expect(res.stderr).toContain("Mars/Olympus");
    expect(existsSync(LEDGER())).toBe(false);

    const flags = await cli("submit", ...ENV(), "--release", "bad id!");
    expect(flags.code).toBe(2);
    expect(flags.stderr).toContain("--train: required");
    expect(flags.stderr).toContain("--release:");
    expect(flags.stderr).toContain("--version or --config");

    const deploy = await cli(
      "deploy",
      ...ENV(),
      "--train",
      trainFile,
      "--release",
      "r1",
      "--version",
      "2",
      "--edge-config",
      "A=1",
    );
    expect(deploy.code).toBe(2);
    expect(deploy.stderr).toContain("--edge-config: not used with --train");
    expect(existsSync(LEDGER())).toBe(false);
  });

  it("refuses a release id already in the train", async () => {
    await submit("r1", "--version", "2.0.0");
    const again = await submit("r1", "--version", "2.0.1");
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("already in the train");
    expect((await events()).length).toBe(1);
  });
});

describe("cohort-rollout unhold / abort of a train release", () => {
  /** r1 fails at free and is reverted; r2 and r3 (behind it) are held, having reached nothing. */
  async function heldTrain(): Promise<void> {
    badVersions("2.0.0");
    await submit("r1", "--version", "2.0.0");
    await submit("r2", "--version", "2.0.1");
    await submit("r3", "--version", "2.0.2");
    expect((await cli("run", ...ENV())).code).toBe(3);
  }

  const location = () => `--project-dir ${dir}`;

  it("a failed revert: status names `resume --release`, which records who and why and retries the revert", async () => {
    badVersions("2.0.0");
    writeFileSync(world.path, JSON.stringify({ ...world.load(), failRevert: ["prod.free"] }));
    await submit("r1", "--version", "2.0.0");
    expect((await cli("run", ...ENV())).code).toBe(3);
    const resume = `npx cohort-rollout resume --environment prod --release r1 --reason "…" ${location()}`;
    const st = await cli("status", ...ENV(), "--train");
    expect(st.stdout).toContain("free(w1):revert-failed");
    expect(st.stdout).toContain(`once the stack is fixed, to retry the revert: ${resume}`);
    // Refused without a reason, and while nothing failed to revert: nothing recorded.
    const count = (await events()).length;
    const noReason = await cli("resume", ...ENV(), "--release", "r1");
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain("--reason: required");
    expect((await events()).length).toBe(count);
    // The human fixes the stack, then resumes: recorded, and the revert is retried here.
    writeFileSync(world.path, JSON.stringify({ ...world.load(), failRevert: [] }));
    const ok = await cli(
      "resume",
      ...ENV(),
      "--release",
      "r1",
      "--by",
      "alice",
      "--reason",
      "released the stale lock",
    );
    expect(ok.code).toBe(1);
    expect(ok.stderr).toContain(
      "r1 failed: every cohort it reached is back on its last good update",
    );
    expect((await events()).find((e) => e.type === "resumed")).toEqual({
      type: "resumed",
      release: "r1",
      by: "alice",
      reason: "released the stale lock",
    });
    expect((await events()).at(-1)).toMatchObject({ type: "train-finished", outcome: "failed" });
  });

  it("status --train names why a release is held and the exact commands that decide it", async () => {
    await heldTrain();
    const text = await cli("status", ...ENV(), "--train");
    expect(text.code).toBe(0);
    const unhold = `npx cohort-rollout unhold --environment prod --release r2 --reason "…" ${location()}`;
    const abort = `npx cohort-rollout abort --environment prod --release r2 --reason "…" ${location()}`;
    expect(text.stdout).toContain("r2 [held] 2.0.1");
    expect(text.stdout).toContain("waits for human: held: r1 failed at free");
    expect(text.stdout).toContain(unhold);
    expect(text.stdout).toContain(abort);
    const st = JSON.parse(
      (await cli("status", ...ENV(), "--train", "--json")).stdout,
    ) as TrainStatus;
    expect(st.releases[0]).toMatchObject({
      release: "r2",
      state: "held",
      held: { cause: "r1" },
      decide: { unhold, abort },
    });
  });

  it("unhold records who and why (exit 0) and the train goes on; refusals exit 2 and record nothing", async () => {
    await heldTrain();
    // A single-release deploy in the same environment: its id is not a train release.
    const single = await cli("deploy", ...ENV(), "--release", "s1", "--version", "1.5.0");
    expect(single.code).toBe(0);
    const count = (await events()).length;

    const missing = await cli("unhold", ...ENV(), "--json");
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout)).toMatchObject({ kind: "error", exitCode: 2 });
    expect(missing.stderr).toContain("--release: required");
    expect(missing.stderr).toContain("--reason: required");

    const refusals: [string[], string][] = [
      [["--release", "r9"], '--release: no release "r9" in prod\'s train (in flight: r2, r3)'],
      [["--release", "r1"], "--release: r1 has already finished the train (failed)"],
      [["--release", "s1"], "--release: s1 is a single-release deploy, not a train release"],
    ];
    for (const [args, message] of refusals) {
      const res = await cli("unhold", ...ENV(), ...args, "--reason", "x");
      expect(res.code).toBe(2);
      expect(res.stderr).toContain(message);
      expect(res.stderr).toContain("hint:");
    }
    expect((await events()).length).toBe(count);

    const ok = await cli(
      "unhold",
      ...ENV(),
      "--release",
      "r2",
      "--by",
      "alice",
      "--reason",
      "r2 carries the fix for r1",
      "--json",
    );
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      kind: "unheld",
      release: "r2",
      cause: "r1",
      by: "alice",
      reason: "r2 carries the fix for r1",
    });
    expect((await events()).at(-1)).toEqual({
      type: "train-unheld",
      release: "r2",
      by: "alice",
      reason: "r2 carries the fix for r1",
    });
    // A second unhold of the same release is refused: it is not held any more.
    const again = await cli("unhold", ...ENV(), "--release", "r2", "--reason", "again");
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("--release: r2 is not held (it is queued)");

    // r2 goes through every wave; r3 still waits for a human (exit 3).
    const run = await cli("run", ...ENV(), "--json");
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout)).toMatchObject({ finished: { r2: "completed" } });
    expect(world.pinOf("prod.enterprise")).toMatchObject({ release: "r2" });
  });

  it("abort of a train release needs --reason, refuses a finished one, and reverts it here when no controller runs (exit 1)", async () => {
    await heldTrain();
    const count = (await events()).length;
    const noReason = await cli("abort", ...ENV(), "--release", "r3");
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain("--reason: required");
    const finished = await cli("abort", ...ENV(), "--release", "r1", "--reason", "x");
    expect(finished.code).toBe(2);
    expect(finished.stderr).toContain("--release: r1 has already finished the train (failed)");
    const none = await cli("abort", ...ENV(), "--reason", "x");
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("a train release is named: --release");
    expect((await events()).length).toBe(count);

    const res = await cli(
      "abort",
      ...ENV(),
      "--release",
      "r3",
      "--by",
      "bob",
      "--reason",
      "r3 contains r1's bug",
      "--json",
    );
    expect(res.code).toBe(1);
    expect(JSON.parse(res.stdout)).toMatchObject({
      kind: "aborted",
      release: "r3",
      by: "bob",
      outcome: "aborted",
      exitCode: 1,
    });
    const evs = await events();
    expect(evs).toContainEqual({
      type: "abort-requested",
      release: "r3",
      by: "bob",
      reason: "r3 contains r1's bug",
    });
    expect(evs.filter((e) => e.type === "train-finished").map((e) => e.release)).toEqual([
      "r1",
      "r3",
    ]);
    // r2 is still held: the abort of r3 decided nothing about it.
    const st = JSON.parse(
      (await cli("status", ...ENV(), "--train", "--json")).stdout,
    ) as TrainStatus;
    expect(st.releases.map((r) => [r.release, r.state])).toEqual([["r2", "held"]]);
  });

  it("abort only records when another controller runs the train (exit 0), once", async () => {
    await heldTrain();
    const other = new FileLedger(LEDGER(), { now: () => clock.now() });
    expect((await other.acquireLease("train@elsewhere:1", 10 * MIN)).acquired).toBe(true);
    const abort = () =>
      cli("abort", ...ENV(), "--release", "r2", "--reason", "not needed", "--json");
    const first = await abort();
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      kind: "abort-requested",
      release: "r2",
      recorded: true,
    });
    const second = await abort();
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ recorded: false });
    expect((await events()).filter((e) => e.type === "abort-requested")).toHaveLength(1);
    // A release being aborted cannot be released any more.
    const unhold = await cli("unhold", ...ENV(), "--release", "r2", "--reason", "changed my mind");
    expect(unhold.code).toBe(2);
    expect(unhold.stderr).toContain("--release: r2 is being aborted (by ");
    expect((await events()).some((e) => e.type === "train-finished" && e.release === "r2")).toBe(
      false,
    );
  });
});
