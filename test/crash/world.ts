/**
 * A throwaway world for process-level tests of the real CLI: a Pulumi project
 * dir, the stand-in `pulumi`'s backend state (test/support/fake-pulumi) with
 * an edge stack and three cohort stacks (free, pro, enterprise) all on r1,
 * their alarms in a shared moto server, and the CLI run as a child process
 * with the stand-in first on PATH.
 */
import { spawn } from "node:child_process";
import {
  existsSync,
  rmSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { EnvironmentOutput, Pin } from "../../components/contract.js";
import { FAKE_PULUMI_ROOT, type FakeFixture } from "../support/fake-pulumi/project.js";
import type { MotoServer } from "../support/moto.js";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const CLI = join(ROOT, "stacks", "rollout", "cli", "main.ts");
const FAKE_BIN = join(FAKE_PULUMI_ROOT, "bin");
export const PROJECT = "cohort-service";
export const COHORTS = ["free", "pro", "enterprise"] as const;
export type CohortName = (typeof COHORTS)[number];

export const PIN_R1: Pin = { release: "r1", version: "1.0.0", config: { LOG_LEVEL: "info" } };
/** Both releases under test share one id: each runs in a world of its own. */
export const RELEASE_ID = "r2";
export const GOOD = { id: RELEASE_ID, version: "2.0.0", config: { LOG_LEVEL: "debug" } };
export const BAD = { id: RELEASE_ID, version: "2.0.0-bad", config: { LOG_LEVEL: "debug" } };
export type ReleaseInput = typeof GOOD;

export const pinOf = (r: ReleaseInput): Pin => ({
  release: r.id,
  version: r.version,
  config: r.config,
});

export const environment: EnvironmentOutput = {
  name: "prod",
  edgeStack: "prod",
  cohorts: [
    // Bakes must cover the alarms' detection window (60 s x 3 + lag) to pass
    // the plan; --bake-scale shrinks them after validation.
    { name: "free", criticality: 0, bakeSeconds: 300, minIntervalSeconds: 0, stack: "prod.free" },
    { name: "pro", criticality: 1, bakeSeconds: 600, minIntervalSeconds: 0, stack: "prod.pro" },
    {
      name: "enterprise",
      criticality: 2,
      bakeSeconds: 900,
      minIntervalSeconds: 0,
      stack: "prod.enterprise",
    },
  ],
};

/** Deploy flags: short bakes (after the plan's validation) and polls, so a run takes seconds. */
export const TUNING = ["--bake-scale", "0.001", "--poll-interval", "100ms"];

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface LedgerLine {
  seq: number;
  event: { type: string; release: string; cohort?: string } & Record<string, unknown>;
}

/** One isolated world: project dir, fake backend state, fixture, ledger. */
export class World {
  readonly dir: string;
  readonly projectDir: string;
  readonly stateDir: string;
  readonly fixturePath: string;
  readonly runs: CliRun[] = [];
  /** Every world's dir, for `removeWorlds` (kept when KEEP_CRASH_WORLDS is set, to debug). */
  static readonly dirs: string[] = [];
  /** Ledger flags for every CLI run (default: the file ledger in the project dir). */
  ledgerArgs: string[] = [];

  constructor(
    readonly name: string,
    private readonly moto: MotoServer,
    badInPro: string[],
  ) {
    this.dir = mkdtempSync(join(tmpdir(), `crash-${name}-`));
    World.dirs.push(this.dir);
    this.projectDir = join(this.dir, "project");
    this.stateDir = join(this.dir, "state");
    this.fixturePath = join(this.dir, "fixture.json");
    mkdirSync(this.projectDir, { recursive: true });
    writeFileSync(join(this.projectDir, "Pulumi.yaml"), `name: ${PROJECT}\nruntime: nodejs\n`);
    // Alarm names carry the world's name: worlds share one moto server.
    const cohorts: NonNullable<FakeFixture["cohorts"]> = {};
    for (const c of COHORTS) {
      cohorts[c] = {
        alarms: [
          {
            name: `${name}-${c}-5xx`,
            kind: "metric",
            periodSeconds: 60,
            evaluationPeriods: 3,
            datapointsToAlarm: 2,
          },
        ],
        compositeAlarmName: `${name}-${c}-health`,
        ...(c === "pro" ? { badVersions: badInPro } : {}),
      };
    }
    const fixture: FakeFixture = { environment, cohorts };
    writeFileSync(this.fixturePath, JSON.stringify(fixture, null, 2));
  }

  get env(): Record<string, string> {
    return {
      ...(process.env as Record<string, string>),
      PATH: `${FAKE_BIN}:${process.env.PATH ?? ""}`,
      FAKE_PULUMI_STATE: this.stateDir,
      FAKE_PULUMI_FIXTURE: this.fixturePath,
      FAKE_PULUMI_CLOUDWATCH_ENDPOINT: this.moto.endpoint,
      FAKE_PULUMI_HOLD_DIR: this.holdDir,
      AWS_ENDPOINT_URL: this.moto.endpoint,
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      AWS_REGION: "us-east-1",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      NO_COLOR: "1",
    };
  }

  /** Run the stand-in pulumi directly (set-up only). */
  async pulumi(args: string[]): Promise<string> {
    const result = await spawnAsync(join(FAKE_BIN, "pulumi"), args, this.projectDir, this.env);
    if (result.code !== 0) {
      throw new Error(`pulumi ${args.join(" ")} failed (${String(result.code)}): ${result.stderr}`);
    }
    return result.stdout;
  }

  /** Every stack on r1 (the edge exports the environment), alarms created OK in moto. */
  async seed(): Promise<void> {
    await this.pulumi(["stack", "init", "prod"]);
    await this.pulumi([
      "config",
      "set-all",
      "--stack",
      "prod",
      "--plaintext",
      `${PROJECT}:part=edge`,
    ]);
    await this.pulumi(["up", "--yes", "--skip-preview", "--stack", "prod"]);
    for (const c of COHORTS) {
      const stack = `prod.${c}`;
      await this.pulumi(["stack", "init", stack]);
      await this.pulumi([
        "config",
        "set-all",
        "--stack",
        stack,
        "--plaintext",
        `${PROJECT}:part=cohort`,
        "--plaintext",
        `${PROJECT}:cohort=${c}`,
        "--plaintext",
        `${PROJECT}:pin=${JSON.stringify(PIN_R1)}`,
      ]);
      await this.pulumi([
        "up",
        "--yes",
        "--skip-preview",
        "--stack",
        stack,
        "--message",
        "[cohort-rollout release=r1 revision=none]",
      ]);
    }
  }

  async cli(args: string[], crashAfter?: number, options: StartOptions = {}): Promise<CliRun> {
    const env = { ...this.env };
    if (crashAfter !== undefined) env.COHORT_ROLLOUT_CRASH_AFTER = String(crashAfter);
    else delete env.COHORT_ROLLOUT_CRASH_AFTER;
    const run = await spawnAsync(
      process.execPath,
      ["--import", "tsx", CLI, ...args, "--project-dir", this.projectDir, ...this.ledgerArgs],
      ROOT,
      env,
      options,
    );
    this.runs.push(run);
    return run;
  }

  deploy(
    release: ReleaseInput,
    crashAfter?: number,
    tuning = TUNING,
    options: StartOptions = {},
  ): Promise<CliRun> {
    const config = Object.entries(release.config).flatMap(([k, v]) => ["--config", `${k}=${v}`]);
    return this.cli(
      [
        "deploy",
        "--environment",
        "prod",
        "--release",
        release.id,
        "--version",
        release.version,
        ...config,
        ...tuning,
      ],
      crashAfter,
      options,
    );
  }

  resume(crashAfter?: number, options: StartOptions = {}): Promise<CliRun> {
    // The poll interval and bakes were recorded in the plan: resume takes no tuning.
    // The release is named: a kill right after its last event leaves none in flight,
    // and `resume --release` then reports its outcome (without it: exit 2, nothing in flight).
    return this.cli(
      ["resume", "--environment", "prod", "--release", RELEASE_ID],
      crashAfter,
      options,
    );
  }

  stack(name: string): {
    config: Record<string, { value: string }>;
    history: { version: number; result: string; message: string }[];
    pending: unknown[];
  } {
    const path = join(this.stateDir, "stacks", `${encodeURIComponent(name)}.json`);
    return JSON.parse(readFileSync(path, "utf8")) as ReturnType<World["stack"]>;
  }

  pin(cohort: CohortName): Pin {
    const raw = this.stack(`prod.${cohort}`).config[`${PROJECT}:pin`]?.value ?? "null";
    return JSON.parse(raw) as Pin;
  }

  locks(): string[] {
    const dir = join(this.stateDir, "locks");
    return existsSync(dir) ? readdirSync(dir) : [];
  }

  get holdDir(): string {
    return join(this.dir, "hold");
  }

  /** Makes `pulumi up` of `stack` wait at its changing steps until `release`. */
  hold(stack: string): void {
    mkdirSync(this.holdDir, { recursive: true });
    writeFileSync(join(this.holdDir, `${stack}.service-update.hold`), "");
  }

  release(stack: string): void {
    rmSync(join(this.holdDir, `${stack}.service-update.hold`), { force: true });
  }

  /** Resolves once an update of `stack` reached its held step (a marker file, not a delay). */
  async reached(stack: string, timeoutMs = 90_000): Promise<void> {
    const marker = join(this.holdDir, `${stack}.service-update.started`);
    const until = Date.now() + timeoutMs;
    while (!existsSync(marker)) {
      if (Date.now() > until) throw new Error(`${stack}: no update reached its hold point`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  ledger(): LedgerLine[] {
    const dir = join(this.projectDir, ".rollout");
    const file = existsSync(dir) ? readdirSync(dir).find((f) => f.endsWith(".jsonl")) : undefined;
    if (!file) return [];
    return readFileSync(join(dir, file), "utf8")
      .split("\n")
      .filter((l) => l.trim().length > 0)
      .map((l) => JSON.parse(l) as LedgerLine);
  }
}

/** How a child is started: in its own process group (so a test can kill it and its children). */
export interface StartOptions {
  /** Extra environment on top of the world's. */
  env?: Record<string, string>;
  /** Called with the child's pid (its process group id) once it runs. */
  onStart?: (pid: number) => void;
}

export function spawnAsync(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
  options: StartOptions = {},
): Promise<CliRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...env, ...options.env },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    }, 90_000);
    if (child.pid !== undefined) options.onStart?.(child.pid);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        // A timeout is a failure of its own, never mistaken for the crash under test.
        signal: timedOut ? null : signal,
        stdout,
        stderr: timedOut ? `TIMED OUT\n${stderr}` : stderr,
        ms: Date.now() - started,
      });
    });
  });
}

/** Run tasks with at most `n` at a time. */
export async function pool<T>(n: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      const task = tasks[i];
      if (task) results[i] = await task();
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, tasks.length) }, worker));
  return results;
}

export function describeRun(run: CliRun): string {
  return `exit ${String(run.code)} signal ${String(run.signal)}\n--- stdout\n${run.stdout.slice(-3000)}\n--- stderr\n${run.stderr.slice(-3000)}`;
}

/** Remove every world's files (after a file's tests), unless KEEP_CRASH_WORLDS is set. */
export function removeWorlds(): void {
  if (process.env.KEEP_CRASH_WORLDS) {
    console.info(`KEEP_CRASH_WORLDS: kept ${World.dirs.join(" ")}`);
    return;
  }
  for (const dir of World.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
