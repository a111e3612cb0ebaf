/**
 * The CLI as real child processes sharing one environment (one file ledger,
 * one FileWorld): two concurrent deploys (one proceeds, the other exits 3
 * naming the holder), abort and Ctrl-C from another terminal, and the crash
 * hook (COHORT_ROLLOUT_CRASH_AFTER makes the CLI SIGKILL itself after its
 * n-th append; `resume` in a new process reaches the same outcome as an
 * uninterrupted run).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { realClock } from "../../stacks/rollout/adapters/real-clock.js";
import type { RolloutEvent } from "../../stacks/rollout/core/events.js";
import { FileWorld, OLD_PIN, type WorldState, threeCohortWorld } from "../kit/file-world.js";

const CHILD = join(dirname(fileURLToPath(import.meta.url)), "support", "cli-child.ts");
const STACKS = ["prod.free", "prod.pro", "prod.enterprise"];

function project(overrides: Partial<WorldState> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "rollout-proc-"));
  writeFileSync(join(dir, "Pulumi.yaml"), "name: cohort-service\nruntime: nodejs\n");
  const world = FileWorld.create(join(dir, "world.json"), threeCohortWorld(overrides), realClock);
  const ledgerPath = join(dir, ".rollout", "prod.ledger.jsonl");
  return { dir, world, ledgerPath };
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function start(worldPath: string, args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, worldPath, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Exit>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

/** Fast real-time rollouts: bakes of 0.6 s, 1.2 s, 1.8 s; alarms polled every 100 ms. */
const fast = (dir: string) => [
  "--environment",
  "prod",
  "--project-dir",
  dir,
  "--bake-scale",
  "0.005",
  "--poll-interval",
  "100ms",
];

async function until(cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!cond()) {
    if (Date.now() - started > timeoutMs) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 25));
  }
}

function events(ledgerPath: string): RolloutEvent[] {
  if (!existsSync(ledgerPath)) return [];
  return readFileSync(ledgerPath, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { event: RolloutEvent }).event);
}

describe("two deploys on one environment", () => {
  it("one proceeds; the other exits 3 naming the holder, and the ledger is not interleaved", async () => {
    // free bakes 6 s (at --bake-scale 0.005): the second deploy surely starts while the first runs.
    const base = threeCohortWorld();
    const cohorts = base.environment.cohorts.map((c) =>
      c.name === "free" ? { ...c, bakeSeconds: 1_200 } : c,
    );
    const { dir, world, ledgerPath } = project({ environment: { ...base.environment, cohorts } });
    // Forced interleaving: the first deploy's first update waits until the second has exited.
    const hold = `${world.path}.hold-prod.free`;
    writeFileSync(hold, "");
    const a = start(world.path, ["deploy", ...fast(dir), "--release", "ra", "--version", "2.0.0"]);
    await until(() => events(ledgerPath).some((e) => e.type === "applying"));
    const b = start(world.path, ["deploy", ...fast(dir), "--release", "rb", "--version", "3.0.0"]);
    const rb = await b.done;
    rmSync(hold);
    const ra = await a.done;
    expect(ra.code).toBe(0);
    expect(rb.code).toBe(3);
    expect(rb.stderr).toContain(`environment prod is being driven by deploy@`);
    expect(rb.stderr).toContain(`:${String(a.child.pid)}:`);
    // Only release ra ever touched the ledger or the stacks.
    expect(new Set(events(ledgerPath).map((e) => e.release))).toEqual(new Set(["ra"]));
    for (const s of STACKS) expect(world.pinOf(s)?.release).toBe("ra");
  }, 60_000);
});

describe("operators from another terminal", () => {
  const env = (dir: string) => ["--environment", "prod", "--project-dir", dir];

  it("abort while a deploy runs: recorded at once, and the running deploy reverts and exits 1", async () => {
    // pro bakes 12 s (at --bake-scale 0.005): the abort surely lands during its bake.
    const base = threeCohortWorld();
    const cohorts = base.environment.cohorts.map((c) =>
      c.name === "pro" ? { ...c, bakeSeconds: 2_400 } : c,
    );
    const { dir, world, ledgerPath } = project({ environment: { ...base.environment, cohorts } });
    const a = start(world.path, ["deploy", ...fast(dir), "--release", "r1", "--version", "2.0.0"]);
    await until(() => events(ledgerPath).some((e) => e.type === "applied" && e.cohort === "pro"));
    const abort = await start(world.path, ["abort", ...env(dir)]).done;
    expect(abort.code).toBe(0);
    expect(abort.stderr).toContain("abort of r1 recorded");
    const ra = await a.done;
    expect(ra.code).toBe(1);
    expect(events(ledgerPath).at(-1)?.type).toBe("aborted");
    for (const s of STACKS) expect(world.pinOf(s)).toEqual(OLD_PIN);
    expect(world.load().calls.filter((c) => c.startsWith("apply"))).toEqual([
      "apply prod.free",
      "apply prod.pro",
    ]);
  }, 60_000);

  it("Ctrl-C (SIGINT) stops between steps with exit 3; resume finishes the release", async () => {
    const { dir, world, ledgerPath } = project();
    const a = start(world.path, ["deploy", ...fast(dir), "--release", "r1", "--version", "2.0.0"]);
    await until(() => events(ledgerPath).some((e) => e.type === "applied" && e.cohort === "free"));
    a.child.kill("SIGINT");
    const ra = await a.done;
    expect(ra.code).toBe(3);
    expect(ra.stderr).toContain("continue with: npx cohort-rollout resume --environment prod");
    const resumed = await start(world.path, ["resume", ...env(dir)]).done;
    expect(resumed.code).toBe(0);
    for (const s of STACKS) expect(world.pinOf(s)?.release).toBe("r1");
  }, 60_000);
});

describe("kill -9 through the crash hook", () => {
  it.each([
    { version: "2.0.0", crashAfter: 3, outcome: 0 },
    { version: "6.6.6", crashAfter: 5, outcome: 1 },
  ])(
    "release $version killed after append #$crashAfter: resume ends with exit $outcome like an uninterrupted run",
    async ({ version, crashAfter, outcome }) => {
      const { dir, world, ledgerPath } = project({ badVersions: ["6.6.6"] });
      const args = ["deploy", ...fast(dir), "--release", "r1", "--version", version];
      const killed = await start(world.path, args, {
        COHORT_ROLLOUT_CRASH_AFTER: String(crashAfter),
      }).done;
      expect(killed.signal).toBe("SIGKILL");
      expect(events(ledgerPath)).toHaveLength(crashAfter);
      // The dead process's lease is taken over at once; resume finishes the release.
      const resumed = await start(world.path, [
        "resume",
        "--environment",
        "prod",
        "--project-dir",
        dir,
      ]).done;
      expect(resumed.code).toBe(outcome);
      const pins = STACKS.map((s) => world.pinOf(s));
      if (outcome === 0) for (const p of pins) expect(p?.release).toBe("r1");
      else for (const p of pins) expect(p).toEqual(OLD_PIN);
      // No stack got the release twice.
      const applies = world.load().calls.filter((c) => c.startsWith("apply"));
      expect(new Set(applies).size).toBe(applies.length);
    },
    60_000,
  );
});
