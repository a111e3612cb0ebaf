/**
 * The `cohort-rollout` CLI in-process: the real commands, the real file
 * ledger and lease in a temp project dir, a FileWorld for stacks and alarms,
 * and a virtual clock so bakes take no time. Checks exit codes, --json
 * output, option errors, and what operators see.
 */
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { main } from "../../stacks/rollout/cli/main.js";
import type { CliIo } from "../../stacks/rollout/cli/commands/context.js";
import { progressListener } from "../../stacks/rollout/cli/commands/drive.js";
import type { RolloutEvent } from "../../stacks/rollout/core/events.js";
import { FileLedger } from "../../stacks/rollout/adapters/ledger-file.js";
import { FakeClock } from "../kit/clock.js";
import {
  FileWorld,
  OLD_PIN,
  type WorldState,
  threeCohortWorld,
  worldPorts,
} from "../kit/file-world.js";

let dir: string;
let clock: FakeClock;
let world: FileWorld;

function setup(overrides: Partial<WorldState> = {}): void {
  dir = mkdtempSync(join(tmpdir(), "rollout-cli-"));
  writeFileSync(join(dir, "Pulumi.yaml"), "name: cohort-service\nruntime: nodejs\n");
  clock = new FakeClock(Date.UTC(2026, 10, 22));
  world = FileWorld.create(join(dir, "world.json"), threeCohortWorld(overrides), clock);
}

beforeEach(() => setup());

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

const ENV = ["--environment", "prod", "--project-dir"];
const deploy = (version: string, ...more: string[]) =>
  cli("deploy", ...ENV, dir, "--release", `r-${version}`, "--version", version, ...more);

function ledgerEvents(): Promise<RolloutEvent[]> {
  return new FileLedger(join(dir, ".rollout", "prod.ledger.jsonl"))
    .read()
    .then((rs) => rs.map((r) => r.event as RolloutEvent));
}

const STACKS = ["prod.free", "prod.pro", "prod.enterprise"];

describe("deploy of a release id already in the ledger", () => {
  it("continues only the same release: config order does not matter, a changed edge config or program revision is refused", async () => {
    const first = await deploy("2.0.0", "--config", "A=1", "--config", "B=2");
    expect(first.code).toBe(0);
    const recorded = (await ledgerEvents()).length;

    const reordered = await deploy("2.0.0", "--config", "B=2", "--config", "A=1");
    expect(reordered.code).toBe(0);
    expect(reordered.stderr).toContain("already completed");

    const edge = await deploy(
      "2.0.0",
      "--config",
      "A=1",
      "--config",
      "B=2",
      "--edge-config",
      "tlsPolicy=TLS13",
    );
    expect(edge.code).toBe(2);
    expect(edge.stderr).toContain("--edge-config");

    const revision = await deploy(
      "2.0.0",
      "--config",
      "A=1",
      "--config",
      "B=2",
      "--program-revision",
      "abc1234",
    );
    expect(revision.code).toBe(2);
    expect(revision.stderr).toContain("--program-revision");

    expect((await ledgerEvents()).length).toBe(recorded);
  });
});

describe("usage", () => {
  it("--help exits 0 and lists every command", async () => {
    const r = await cli("--help");
    expect(r.code).toBe(0);
    for (const c of ["plan", "deploy", "status", "history", "resume", "pause", "abort", "revert"])
      expect(r.stdout).toContain(c);
  });

  it("invalid options give ONE error naming every problem, exit 2, nothing recorded", async () => {
    const r = await cli(
      "deploy",
      "--poll-interval",
      "soon",
      "--insufficient-data",
      "maybe",
      "--ledger",
      "dynamodb",
      "--config",
      "oops",
      "--config",
      "__proto__=on",
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"__proto__" cannot be a config key');
    const lines = r.stderr.split("\n").filter((l) => l.trim().startsWith("- "));
    expect(lines.map((l) => l.trim().split(":")[0])).toEqual([
      "- --environment",
      "- --ledger-table",
      "- --poll-interval",
      "- --insufficient-data",
      "- --release",
      "- --version",
      "- --config",
      "- --config",
    ]);
    expect(world.load().calls).toEqual([]);
  });

  it("commander's own errors (unknown option, unknown command) exit 2", async () => {
    expect((await cli("deploy", "--bogus")).code).toBe(2);
    expect((await cli("launch")).code).toBe(2);
    expect((await cli("revert", ...ENV, dir)).stderr).toContain("--cohort: required");
  });
});

/** The CLI with its real adapters (file ledger under the temp project dir): what a new user runs. */
async function realCli(...args: string[]) {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    isTTY: false,
    env: {},
  };
  const code = await main(args, { io });
  return { code, stdout, stderr };
}

describe("errors, as a new user meets them", () => {
  it("a ledger path that cannot be a file is a configuration error (exit 2) naming --ledger-path", async () => {
    writeFileSync(join(dir, "a-file"), "");
    const path = join(dir, "a-file", "x.jsonl");
    for (const command of ["status", "history"]) {
      const r = await realCli(command, ...ENV, dir, "--ledger-path", path);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^cohort-rollout: error: invalid options:\n {2}- --ledger-path: /);
      expect(r.stderr).toContain("ENOTDIR");
      const json = await realCli(command, ...ENV, dir, "--ledger-path", path, "--json");
      expect(JSON.parse(json.stdout.trim().split("\n").pop() ?? "")).toMatchObject({
        kind: "error",
        exitCode: 2,
      });
    }
  });

  it("reading commands create nothing: status and history of an environment with no ledger", async () => {
    const before = readdirSync(dir).sort();
    for (const command of ["status", "history"]) {
      const r = await realCli(command, "--environment", "nosuch", "--project-dir", dir);
      expect(r.code).toBe(0);
    }
    expect(readdirSync(dir).sort()).toEqual(before);
    expect(existsSync(join(dir, ".rollout"))).toBe(false);
  });

  it("a refused resume or revert of an environment with nothing recorded creates nothing", async () => {
    const before = readdirSync(dir).sort();
    const resume = await realCli("resume", "--environment", "nosuch", "--project-dir", dir);
    const revert = await realCli(
      "revert",
      "--environment",
      "nosuch",
      "--project-dir",
      dir,
      "--cohort",
      "free",
    );
    expect([resume.code, revert.code]).toEqual([2, 2]);
    expect(resume.stderr + revert.stderr).toMatch(/^cohort-rollout: error: /);
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it("every error source has one format: `cohort-rollout: error: ...` on stderr, JSON on stdout with --json", async () => {
    const cases: string[][] = [
      ["deploy", "--bogus"], // commander: unknown option
      ["launch"], // commander: unknown command
      ["deploy", ...ENV, dir, "--poll-interval", "soon"], // option validation
      ["status", ...ENV, dir, "--release", "nope"], // a command's own check
      ["revert", ...ENV, dir], // a command's own required flag
      ["rehearse", "--fault", "nosuch"], // rehearse's validation
      ["rehearse", "--activate-after", "5"], // rehearse: a flag its fault does not use
    ];
    for (const args of cases) {
      const r = await cli(...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(/^cohort-rollout: error: /);
      expect(r.stderr, args.join(" ")).not.toMatch(/^(rehearse:|error:)/m);
      const j = await cli(...args, "--json");
      const last = JSON.parse(j.stdout.trim().split("\n").pop() ?? "") as { message: string };
      expect(last, args.join(" ")).toMatchObject({ kind: "error", exitCode: 2 });
      expect(r.stderr).toContain(last.message.split("\n")[0]);
    }
  });

  it("rehearse --activate-after without --fault latent is refused, naming both flags", async () => {
    const r = await cli("rehearse", "--activate-after", "5");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--activate-after: only used with --fault latent");
  });
});

describe("first-time use", () => {
  it("plan and revert name every problem at once, before anything is read", async () => {
    const plan = await cli("plan", "--release", "r1", "--poll-interval", "5x");
    expect(plan.code).toBe(2);
    const flags = (s: string) =>
      s
        .split("\n")
        .filter((l) => l.trim().startsWith("- "))
        .map((l) => l.trim().split(":")[0]);
    expect(flags(plan.stderr)).toEqual(["- --environment", "- --poll-interval", "- --version"]);
    const revert = await cli("revert", "--ledger", "dynamodb");
    expect(revert.code).toBe(2);
    expect(flags(revert.stderr)).toEqual(["- --environment", "- --ledger-table", "- --cohort"]);
    const history = await cli("history", "--limit", "x");
    expect(flags(history.stderr)).toEqual(["- --environment", "- --limit"]);
    expect(world.load().calls).toEqual([]);
  });

  it("with --json, commander's own errors are JSON on stdout too", async () => {
    for (const args of [
      ["deploy", "--bogus", "--json"],
      ["launch", "--json"],
    ]) {
      const r = await cli(...args);
      expect(r.code).toBe(2);
      expect(JSON.parse(r.stdout)).toMatchObject({ kind: "error", exitCode: 2 });
    }
  });

  it("history with no ledger yet says so (and where it looked) instead of printing nothing", async () => {
    const r = await cli("history", ...ENV, dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/no events recorded .*prod\.ledger\.jsonl/);
    const j = await cli("history", ...ENV, dir, "--json");
    expect(JSON.parse(j.stdout)).toMatchObject({ records: [] });
  });

  it("revert --cohort with a cohort no release has: exit 2 listing the cohorts", async () => {
    expect((await deploy("2.0.0")).code).toBe(0);
    const r = await cli("revert", ...ENV, dir, "--cohort", "prp");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--cohort: no cohort "prp" .*cohorts: free, pro, enterprise/);
  });

  it("status and history of a release the ledger does not have: exit 2 naming it", async () => {
    for (const cmd of ["status", "history"]) {
      const r = await cli(cmd, ...ENV, dir, "--release", "nope");
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--release: no release "nope"/);
    }
  });

  it("the next-step hints carry the project dir and ledger, so they can be pasted as printed", async () => {
    setup({ alarms: { "free-errors": "OK", "pro-errors": "ALARM", "enterprise-errors": "OK" } });
    const more = ["--ledger-path", join(dir, "elsewhere.jsonl")];
    const r = await cli("deploy", ...ENV, dir, "--release", "r-2", "--version", "2.0.0", ...more);
    expect(r.code).toBe(3);
    const hint = `npx cohort-rollout resume --environment prod --project-dir ${dir} --ledger-path ${join(dir, "elsewhere.jsonl")}`;
    expect(r.stderr).toContain(hint);
    const second = await cli(
      "deploy",
      ...ENV,
      dir,
      "--release",
      "r-3",
      "--version",
      "3.0.0",
      ...more,
    );
    expect(second.code).toBe(3);
    expect(second.stderr).toContain(
      `cohort-rollout status --environment prod --project-dir ${dir} --ledger-path`,
    );
    const s = world.load();
    s.alarms["pro-errors"] = "OK";
    writeFileSync(world.path, JSON.stringify(s));
    const cmd = hint.replace("npx cohort-rollout ", "").split(" ");
    expect((await cli(...cmd)).code).toBe(0);
  });
});

describe("plan", () => {
  it("prints the waves, least critical first", async () => {
    const r = await cli("plan", ...ENV, dir, "--release", "r1", "--version", "2.0.0", "--json");
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout) as {
      waves: { targets: { cohort: string; bakeMs: number }[] }[];
    };
    expect(plan.waves.map((w) => w.targets.map((t) => t.cohort))).toEqual([
      ["free"],
      ["pro"],
      ["enterprise"],
    ]);
    expect(plan.waves.map((w) => w.targets[0]?.bakeMs)).toEqual([120_000, 240_000, 360_000]);
  });

  it("refuses, exit 2, a bake shorter than its alarms' detection window and a missing alarm, naming both", async () => {
    // period 100 s x 1 evaluation + 60 s publication lag = 160 s > free's 120 s bake.
    setup({ periodSeconds: 100, alarms: { "free-errors": "OK", "pro-errors": "OK" } });
    const r = await cli("plan", ...ENV, dir, "--release", "r1", "--version", "2.0.0");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "(free, stack prod.free): bake 120s is shorter than its alarms' detection window 160s",
    );
    expect(r.stderr).not.toContain("(pro, stack prod.pro): bake");
    expect(r.stderr).toContain('alarm "enterprise-errors" does not exist in CloudWatch');
  });
});

describe("deploy", () => {
  it("a good release: exit 0, every cohort on it, --json ends with the result", async () => {
    const r = await deploy("2.0.0", "--json");
    expect(r.code).toBe(0);
    for (const s of STACKS) expect(world.pinOf(s)?.version).toBe("2.0.0");
    const lines = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { kind: string; outcome?: string });
    expect(lines.at(-1)).toMatchObject({ kind: "result", outcome: "completed", exitCode: 0 });
    expect(lines.some((l) => l.kind === "bake")).toBe(true);
    // Re-running the same deploy is a no-op that reports the outcome.
    const again = await deploy("2.0.0");
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("already completed");
  });

  it("--edge-config: the edge stack is a last wave of its own, gated on every cohort's alarms", async () => {
    const r = await deploy("2.0.0", "--edge-config", "ROUTES=v2", "--json");
    expect(r.code).toBe(0);
    expect(world.load().calls.filter((c) => c.startsWith("apply"))).toEqual([
      ...STACKS.map((s) => `apply ${s}`),
      "apply prod",
    ]);
    const edgeBake = r.stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { kind: string; cohort?: string; alarms?: { name: string }[] })
      .find((u) => u.kind === "bake" && u.cohort === "edge");
    expect(edgeBake?.alarms?.map((a) => a.name)).toEqual([
      "free-errors",
      "pro-errors",
      "enterprise-errors",
    ]);
  });

  it("a bad release: exit 1, reverted most critical first, never reaches enterprise", async () => {
    setup({ badVersions: ["6.6.6"] });
    const r = await deploy("6.6.6");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("release r-6.6.6: failed");
    expect(world.load().calls).toEqual(["apply prod.free", "revert prod.free"]);
    for (const s of STACKS) expect(world.pinOf(s)).toEqual(OLD_PIN);
  });

  it("a failed revert: exit 3 with the cohort and the exact command to recover", async () => {
    setup({ badVersions: ["6.6.6"], failRevert: ["prod.free"] });
    const r = await deploy("6.6.6");
    expect(r.code).toBe(3);
    const cmd = `npx cohort-rollout revert --environment prod --cohort free --release r-6.6.6 --project-dir ${dir}`;
    expect(r.stderr).toContain(cmd);
    // A human fixes the cause and runs exactly that command: the cohort is back, the release ends.
    const s = world.load();
    s.failRevert = [];
    writeFileSync(world.path, JSON.stringify(s));
    const fix = await cli(...cmd.replace("npx cohort-rollout ", "").split(" "));
    expect(fix.code).toBe(1);
    expect(world.pinOf("prod.free")).toEqual(OLD_PIN);
    expect((await ledgerEvents()).at(-1)?.type).toBe("release-failed");
  });

  it("a cohort already in ALARM is not deployed to: exit 3, then resume after the fix completes", async () => {
    setup({ alarms: { "free-errors": "OK", "pro-errors": "ALARM", "enterprise-errors": "OK" } });
    const r = await deploy("2.0.0");
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("already in ALARM");
    expect(world.load().calls).toEqual(["apply prod.free"]);
    const s = world.load();
    s.alarms["pro-errors"] = "OK";
    writeFileSync(world.path, JSON.stringify(s));
    expect((await cli("resume", ...ENV, dir)).code).toBe(0);
    for (const st of STACKS) expect(world.pinOf(st)?.version).toBe("2.0.0");
  });

  it("refuses a second release while one is in flight, exit 3 naming it", async () => {
    setup({ alarms: { "free-errors": "OK", "pro-errors": "ALARM", "enterprise-errors": "OK" } });
    expect((await deploy("2.0.0")).code).toBe(3);
    const r = await deploy("3.0.0");
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("release r-2.0.0 is still in flight");
  });
});

describe("operators", () => {
  it("pause, status, resume: exit 3 while paused, then 0", async () => {
    setup({ alarms: { "free-errors": "OK", "pro-errors": "ALARM", "enterprise-errors": "OK" } });
    expect((await deploy("2.0.0")).code).toBe(3); // blocked at pro
    expect((await cli("pause", ...ENV, dir)).code).toBe(0);
    const status = await cli("status", ...ENV, dir, "--json");
    const view = JSON.parse(status.stdout) as {
      releases: { status: string; waves: { cohorts: { phase: string }[] }[] }[];
    };
    expect(view.releases[0]?.status).toBe("paused");
    expect(view.releases[0]?.waves.map((w) => w.cohorts[0]?.phase)).toEqual([
      "passed",
      "pending",
      "pending",
    ]);
    // Machines see one numbering: status --json counts waves as deploy --json does (from 0).
    const result = JSON.parse(
      (await cli("resume", ...ENV, dir, "--json")).stdout.trim().split("\n").at(-1) ?? "{}",
    ) as { cohorts: { cohort: string; wave: number }[] };
    const statusWaves = (
      JSON.parse((await cli("status", ...ENV, dir, "--json")).stdout) as {
        releases: { waves: { wave: number; cohorts: { cohort: string }[] }[] }[];
      }
    ).releases[0]?.waves.flatMap((w) => w.cohorts.map((c) => `${c.cohort}:${w.wave}`));
    expect(statusWaves).toEqual(result.cohorts.map((c) => `${c.cohort}:${c.wave}`));
    expect(statusWaves?.[0]).toBe("free:0");
    const s = world.load();
    s.alarms["pro-errors"] = "OK";
    writeFileSync(world.path, JSON.stringify(s));
    expect((await cli("resume", ...ENV, dir)).code).toBe(0);
    const history = await cli("history", ...ENV, dir, "--json");
    const types = (
      JSON.parse(history.stdout) as { records: { event: RolloutEvent }[] }
    ).records.map((r) => r.event.type);
    expect(types).toContain("paused");
    expect(types.at(-1)).toBe("completed");
  });

  it("abort with nobody driving: reverts what the release reached, exit 1", async () => {
    setup({ alarms: { "free-errors": "OK", "pro-errors": "ALARM", "enterprise-errors": "OK" } });
    expect((await deploy("2.0.0")).code).toBe(3);
    const r = await cli("abort", ...ENV, dir);
    expect(r.code).toBe(1);
    expect(world.pinOf("prod.free")).toEqual(OLD_PIN);
    expect((await ledgerEvents()).at(-1)?.type).toBe("aborted");
  });

  it("revert --cohort on a completed release returns that cohort only", async () => {
    expect((await deploy("2.0.0")).code).toBe(0);
    const r = await cli("revert", ...ENV, dir, "--cohort", "pro");
    expect(r.code).toBe(0);
    expect(world.pinOf("prod.pro")).toEqual(OLD_PIN);
    expect(world.pinOf("prod.free")?.version).toBe("2.0.0");
    expect(world.pinOf("prod.enterprise")?.version).toBe("2.0.0");
    // Nothing left to revert on pro now.
    expect((await cli("revert", ...ENV, dir, "--cohort", "pro")).code).toBe(2);
  });
});

describe("progress", () => {
  const bake = {
    kind: "bake" as const,
    release: "r1",
    wave: 1,
    cohort: "pro",
    msLeft: 125_000,
    alarms: [
      { name: "pro-errors", exists: true, state: "OK" as const },
      { name: "pro-latency", exists: false },
    ],
  };
  const sink = (isTTY: boolean) => {
    let err = "";
    let out = "";
    const io: CliIo = {
      stdout: (t) => void (out += t),
      stderr: (t) => void (err += t),
      isTTY,
      env: {},
    };
    return { io, err: () => err, out: () => out };
  };

  it("on a terminal: wave, cohort, time left and alarm states, redrawn in place", () => {
    const s = sink(true);
    const listen = progressListener(s.io, false);
    listen(bake);
    listen({ ...bake, msLeft: 95_000 });
    listen({ kind: "wave", release: "r1", wave: 2, waves: 3, cohorts: ["enterprise"] });
    expect(s.err()).toBe(
      "\r\x1b[2Kwave 2 pro: baking, 2:05 left · pro-errors=OK pro-latency=MISSING" +
        "\r\x1b[2Kwave 2 pro: baking, 1:35 left · pro-errors=OK pro-latency=MISSING" +
        "\nwave 3/3: enterprise [r1]\n",
    );
    expect(s.out()).toBe("");
  });

  it("in logs: a bake line per cohort at most once a minute; --json: NDJSON on stdout only", () => {
    const log = sink(false);
    const listen = progressListener(log.io, false);
    listen(bake);
    listen(bake);
    expect(log.err().split("\n").filter(Boolean)).toHaveLength(1);
    const json = sink(false);
    progressListener(json.io, true)(bake);
    expect(JSON.parse(json.out())).toEqual(bake);
    expect(json.err()).toBe("");
  });
});
