/**
 * A throwaway environment for process-level tests of `cohort-rollout` on the
 * REAL Pulumi engine: an edge stack `prod` and cohort stacks (free, pro,
 * enterprise by default) of the provider-free cohort program
 * (test/support/engine-program) on a file backend, their alarms in moto, and
 * the CLI (stacks/rollout/cli/main.ts) run as a child process with the engine
 * first on PATH.
 *
 * Seeding a stack costs a real `pulumi up` (seconds), so a file seeds one
 * template environment and every test gets a `clone()`: a copy of the file
 * backend, the stacks' config files and the "cloud" folder, with its alarms
 * created afresh in a moto account of its own (worlds never see each other's
 * alarm states). The clone's history is the template's (same update times),
 * which is what a second checkout of the same environment would see.
 *
 *   const template = await EngineWorld.seed(engine, motoEndpoint, "crash");
 *   const w = await template.clone("good", await sharedMoto());
 *   const run = await w.deploy(GOOD);
 */
import { spawn } from "node:child_process";
import { cpSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  CloudWatchClient,
  PutCompositeAlarmCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
} from "@aws-sdk/client-cloudwatch";
import type { EnvironmentOutput, Pin } from "../../components/contract.js";
import { STACK_TAG } from "../../stacks/rollout/adapters/orphan-processes.js";
import { PROJECT_ROOT, type PulumiEngine } from "./engine.js";
import { EngineProject, PROJECT, type HoldStep } from "./engine-project.js";
import { awsTestClientConfig } from "./moto.js";

export { PROJECT };
export const CLI = join(PROJECT_ROOT, "stacks", "rollout", "cli", "main.ts");
export const ALL_COHORTS = ["free", "pro", "enterprise"] as const;
export type CohortName = (typeof ALL_COHORTS)[number];

export const PIN_R1: Pin = { release: "r1", version: "1.0.0", config: { LOG_LEVEL: "info" } };
/** Both releases under test share one id: each runs in a world of its own. */
export const RELEASE_ID = "r2";
export interface ReleaseInput {
  id: string;
  version: string;
  config: Record<string, string>;
}
export const GOOD: ReleaseInput = {
  id: RELEASE_ID,
  version: "2.0.0",
  config: { LOG_LEVEL: "debug" },
};
/** Bad in pro only (the seeded `badVersions` of prod.pro): its alarms fire once it is applied. */
export const BAD: ReleaseInput = {
  id: RELEASE_ID,
  version: "2.0.0-bad",
  config: { LOG_LEVEL: "debug" },
};

export const pinOf = (r: ReleaseInput): Pin => ({
  release: r.id,
  version: r.version,
  config: r.config,
});

/** Bakes must cover the alarms' detection window (60 s x 3 + lag) to pass the plan. */
const BAKE_SECONDS: Record<CohortName, number> = { free: 300, pro: 600, enterprise: 900 };

export function environmentOf(cohorts: readonly CohortName[]): EnvironmentOutput {
  return {
    name: "prod",
    edgeStack: "prod",
    cohorts: cohorts.map((name, criticality) => ({
      name,
      criticality,
      bakeSeconds: BAKE_SECONDS[name],
      minIntervalSeconds: 0,
      stack: `prod.${name}`,
    })),
  };
}

/**
 * Guards against a hang only. Every interleaving is forced by markers and ledger events, so
 * a busy machine (two cores shared with other work: a real `up` then takes a minute) makes a
 * chain slow, never wrong.
 */
export const SEED_TIMEOUT_MS = 300_000;
/** One chain of CLI runs (a test case): several real `up`s, each a few seconds on an idle machine. */
export const CHAIN_TIMEOUT_MS = 600_000;
/** One CLI run. */
const RUN_TIMEOUT_MS = 400_000;

/** Deploy flags: bakes shrunk after the plan's validation (0.3 s..0.9 s), polls every 100 ms. */
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

/** How a child is started: in its own process group, so a test can kill it and its children. */
export interface StartOptions {
  /** Extra environment on top of the world's. */
  env?: Record<string, string>;
  /** Called with the child's pid (its process group id) once it runs. */
  onStart?: (pid: number) => void;
}

export class EngineWorld {
  readonly runs: CliRun[] = [];
  /** Ledger flags for every CLI run (default: the file ledger in the project dir). */
  ledgerArgs: string[] = [];

  private constructor(
    readonly name: string,
    readonly project: EngineProject,
    readonly cohorts: readonly CohortName[],
    readonly awsEndpoint: string,
  ) {}

  /**
   * The template: every stack created and deployed once on r1 by hand (like a
   * first `pulumi up`), alarms OK in moto at `awsEndpoint`.
   */
  static async seed(
    engine: PulumiEngine,
    awsEndpoint: string,
    name: string,
    cohorts: readonly CohortName[] = ALL_COHORTS,
  ): Promise<EngineWorld> {
    const project = new EngineProject(engine, name, awsEnv(awsEndpoint));
    const world = new EngineWorld(name, project, cohorts, awsEndpoint);
    const edge = async (): Promise<void> => {
      await project.pulumi(["stack", "init", "prod"]);
      await project.pulumi([
        "config",
        "set-all",
        "--stack",
        "prod",
        "--plaintext",
        `${PROJECT}:part=edge`,
        "--plaintext",
        `${PROJECT}:environmentSpec=${JSON.stringify(environmentOf(cohorts))}`,
      ]);
      await project.pulumi(["up", "--yes", "--skip-preview", "--stack", "prod"]);
    };
    // Two at a time: the machine has two cores, and each `up` is a Node language host.
    const seeds = [
      edge,
      ...cohorts.map(
        (c, criticality) => () =>
          project.seedCohort(`prod.${c}`, c, PIN_R1, {
            criticality: String(criticality),
            ...(c === "pro" ? { badVersions: JSON.stringify([BAD.version]) } : {}),
          }),
      ),
    ];
    await pool(2, seeds);
    return world;
  }

  /** A copy of this world (backend, stack config, cloud) whose alarms live in `awsEndpoint`. */
  async clone(name: string, awsEndpoint: string): Promise<EngineWorld> {
    const project = new EngineProject(this.project.engine, name, awsEnv(awsEndpoint));
    cpSync(this.project.stateDir, project.stateDir, { recursive: true });
    cpSync(this.project.cloudDir, project.cloudDir, { recursive: true });
    for (const file of readdirSync(this.project.projectDir).filter((f) =>
      /^Pulumi\..+\.yaml$/.test(f),
    ))
      cpSync(join(this.project.projectDir, file), join(project.projectDir, file));
    const world = new EngineWorld(name, project, this.cohorts, awsEndpoint);
    await world.putAlarms();
    return world;
  }

  /** Every cohort's alarms, OK, as the program's create would have put them. */
  private async putAlarms(): Promise<void> {
    const cw = new CloudWatchClient(awsTestClientConfig(this.awsEndpoint));
    try {
      for (const c of this.cohorts) {
        await cw.send(
          new PutMetricAlarmCommand({
            AlarmName: `${c}-5xx`,
            Namespace: "CohortService",
            MetricName: `${c}-5xx`,
            Statistic: "Sum",
            Period: 60,
            EvaluationPeriods: 3,
            DatapointsToAlarm: 2,
            Threshold: 1,
            ComparisonOperator: "GreaterThanOrEqualToThreshold",
          }),
        );
        await cw.send(
          new PutCompositeAlarmCommand({
            AlarmName: `${c}-health`,
            AlarmRule: `ALARM("${c}-5xx")`,
          }),
        );
        for (const alarm of [`${c}-5xx`, `${c}-health`])
          await cw.send(
            new SetAlarmStateCommand({
              AlarmName: alarm,
              StateValue: "OK",
              StateReason: "test world: seeded healthy",
            }),
          );
      }
    } finally {
      cw.destroy();
    }
  }

  get env(): Record<string, string> {
    return {
      ...(process.env as Record<string, string>),
      ...this.project.env,
    };
  }

  /** Runs the rollout CLI; `crashAfter` arms COHORT_ROLLOUT_CRASH_AFTER (`3`, `applied:free`). */
  async cli(
    args: string[],
    crashAfter?: number | string,
    options: StartOptions = {},
  ): Promise<CliRun> {
    const env = { ...this.env };
    if (crashAfter !== undefined) env.COHORT_ROLLOUT_CRASH_AFTER = String(crashAfter);
    else delete env.COHORT_ROLLOUT_CRASH_AFTER;
    const run = await spawnAsync(
      process.execPath,
      [
        "--import",
        "tsx",
        CLI,
        ...args,
        "--project-dir",
        this.project.projectDir,
        ...this.ledgerArgs,
      ],
      PROJECT_ROOT,
      env,
      options,
    );
    this.runs.push(run);
    if (process.env.DEBUG_ENGINE_WORLD)
      console.info(
        `${this.name}: ${args[0] ?? ""} ${String(crashAfter ?? "")} ${String(run.ms)} ms`,
      );
    return run;
  }

  deploy(
    release: ReleaseInput,
    crashAfter?: number | string,
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

  /** `resume --release r2`: the poll interval and bakes were recorded in the plan. */
  resume(crashAfter?: number | string, options: StartOptions = {}): Promise<CliRun> {
    return this.cli(
      ["resume", "--environment", "prod", "--release", RELEASE_ID],
      crashAfter,
      options,
    );
  }

  /** The cohort's pin as its stack config says (the stack config file, read directly). */
  pin(cohort: CohortName): Pin {
    const file = join(this.project.projectDir, `Pulumi.prod.${cohort}.yaml`);
    const line = readFileSync(file, "utf8")
      .split("\n")
      .find((l) => l.trimStart().startsWith(`${PROJECT}:pin:`));
    if (!line) throw new Error(`${file} has no ${PROJECT}:pin`);
    const raw = line.slice(line.indexOf(":pin:") + ":pin:".length).trim();
    // `pulumi config set` writes the JSON as a quoted YAML scalar.
    const unquoted = raw.startsWith("'") ? raw.slice(1, -1).replace(/''/g, "'") : raw;
    return JSON.parse(
      unquoted.startsWith('"') ? (JSON.parse(unquoted) as string) : unquoted,
    ) as Pin;
  }

  /** The version the cohort's service runs in the "cloud" (what the last update really did). */
  deployedVersion(cohort: CohortName): string {
    const file = join(this.project.cloudDir, encodeURIComponent(`prod.${cohort}-service`));
    return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
  }

  /** Lock files on every stack of the world. */
  locks(): string[] {
    return ["prod", ...this.cohorts.map((c) => `prod.${c}`)].flatMap((s) =>
      this.project.locks(s).map((f) => `${s}/${f}`),
    );
  }

  /** Update messages of a stack's history (newest first), from the file backend. */
  async history(stack: string): Promise<{ result: string; message: string }[]> {
    const raw = await this.project.pulumi(["stack", "history", "--json", "--stack", stack]);
    return JSON.parse(raw) as { result: string; message: string }[];
  }

  /** Pids of processes still running for this world (everything its `pulumi`s started). */
  leftovers(): number[] {
    const mark = `COHORT_TEST_CLOUD_DIR=${this.project.cloudDir}`;
    const found: number[] = [];
    for (const entry of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
        if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) continue; // holds nothing
        if (readFileSync(`/proc/${entry}/environ`, "utf8").split("\0").includes(mark))
          found.push(Number(entry));
      } catch {
        // gone, or not ours
      }
    }
    return found;
  }

  /**
   * Pids of the `pulumi` processes the rollout runs on `stack` in this world (not their
   * plugins, not a `pulumi` the test started itself): the driver tags each call it makes.
   */
  pulumiOf(stack: string): number[] {
    const mark = `COHORT_TEST_CLOUD_DIR=${this.project.cloudDir}`;
    const found: number[] = [];
    for (const entry of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
      try {
        if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() !== "pulumi") continue;
        const vars = readFileSync(`/proc/${entry}/environ`, "utf8").split("\0");
        if (vars.includes(mark) && vars.includes(`${STACK_TAG}=${stack}`))
          found.push(Number(entry));
      } catch {
        // gone, or not ours
      }
    }
    return found;
  }

  hold(stack: string, step: HoldStep = "service-update"): void {
    this.project.hold(stack, step);
  }

  release(stack: string, step: HoldStep = "service-update"): void {
    this.project.release(stack, step);
  }

  reached(stack: string, step: HoldStep = "service-update", timeoutMs?: number): Promise<void> {
    return this.project.reached(stack, step, timeoutMs);
  }

  ledgerPath(): string {
    return join(this.project.projectDir, ".rollout", "prod.ledger.jsonl");
  }

  ledger(): LedgerLine[] {
    const file = this.ledgerPath();
    if (!existsSync(file)) return [];
    return readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l.trim().length > 0)
      .map((l) => JSON.parse(l) as LedgerLine);
  }
}

/** The CLI's and the program's AWS settings: moto, fixed test credentials. */
function awsEnv(endpoint: string): Record<string, string> {
  return {
    COHORT_TEST_CLOUDWATCH_ENDPOINT: endpoint,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_REGION: "us-east-1",
  };
}

export function spawnAsync(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
  options: StartOptions = {},
  timeoutMs = RUN_TIMEOUT_MS,
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
    }, timeoutMs);
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

/** Runs tasks with at most `n` at a time. */
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
  return `exit ${String(run.code)} signal ${String(run.signal)} (${String(run.ms)} ms)\n--- stdout\n${run.stdout.slice(-3000)}\n--- stderr\n${run.stderr.slice(-4000)}`;
}
