/**
 * A throwaway project on the real Pulumi engine: the provider-free cohort
 * program (test/support/engine-program), a file backend, and the program's
 * test hooks (a "cloud" folder, hold markers, an optional CloudWatch
 * emulator). Every `pulumi` a test starts runs detached, so the test can kill
 * it with its process group; `pulumiProcesses()` finds what a killed one left.
 *
 *   const engine = pulumiEngineFor("my suite");            // skips loudly, or throws in CI
 *   const project = new EngineProject(engine, "contract");
 *   await project.seedCohort("prod.free", "free", pin);
 */
import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Pin } from "../../components/contract.js";
import type { AutomationDriverOptions } from "../../stacks/rollout/adapters/automation-driver.js";
import { STACK_TAG } from "../../stacks/rollout/adapters/orphan-processes.js";
import { PROJECT_ROOT, engineEnv, type PulumiEngine } from "./engine.js";

export const PROJECT = "cohort-service";
const PROGRAM_DIR = join(PROJECT_ROOT, "test", "support", "engine-program");

export interface PulumiRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A started `pulumi`: its pid (and process group) and its end. */
export interface StartedPulumi {
  pid: number;
  done: Promise<PulumiRun>;
}

export class EngineProject {
  readonly dir: string;
  readonly projectDir: string;
  readonly stateDir: string;
  readonly cloudDir: string;
  readonly holdDir: string;
  readonly env: Record<string, string>;
  private static readonly dirs: string[] = [];

  constructor(
    readonly engine: PulumiEngine,
    name: string,
    extraEnv: Record<string, string> = {},
  ) {
    this.dir = mkdtempSync(join(tmpdir(), `engine-${name}-`));
    EngineProject.dirs.push(this.dir);
    this.projectDir = join(this.dir, "project");
    this.stateDir = join(this.dir, "state");
    this.cloudDir = join(this.dir, "cloud");
    this.holdDir = join(this.dir, "hold");
    for (const d of [this.projectDir, this.cloudDir, this.holdDir])
      mkdirSync(d, { recursive: true });
    writeProgram(this.projectDir);
    // The Automation API runs `<root>/bin/pulumi`: a root whose bin is the engine's folder.
    mkdirSync(join(this.dir, "cli"));
    symlinkSync(engine.binDir, join(this.dir, "cli", "bin"));
    this.env = {
      ...engineEnv(engine, this.stateDir),
      COHORT_TEST_CLOUD_DIR: this.cloudDir,
      COHORT_TEST_HOLD_DIR: this.holdDir,
      NO_COLOR: "1",
      ...extraEnv,
    };
  }

  /** Options for an AutomationDriver on this project (the engine first on PATH). */
  driverOptions(extra: Partial<AutomationDriverOptions> = {}): AutomationDriverOptions {
    return {
      workDir: this.projectDir,
      pulumiRoot: join(this.dir, "cli"),
      envVars: this.env,
      revisions: {
        head: () => Promise.resolve(undefined),
        checkout: () => Promise.reject(new Error("no git")),
      },
      ...extra,
    };
  }

  /** Starts `pulumi <args>` detached (its own process group). */
  start(args: string[], env: Record<string, string> = {}): StartedPulumi {
    const child = spawn(join(this.engine.binDir, "pulumi"), args, {
      cwd: this.projectDir,
      env: { ...(process.env as Record<string, string>), ...this.env, ...env },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const done = new Promise<PulumiRun>((resolve) =>
      child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })),
    );
    if (child.pid === undefined) throw new Error("pulumi did not start");
    return { pid: child.pid, done };
  }

  /** Runs `pulumi <args>` to its end; throws on a non-zero exit. */
  async pulumi(args: string[], env: Record<string, string> = {}): Promise<string> {
    const run = await this.start(args, env).done;
    if (run.code !== 0)
      throw new Error(
        `pulumi ${args.join(" ")} exited ${String(run.code)}: ${run.stderr}${run.stdout.slice(-2000)}`,
      );
    return run.stdout;
  }

  /** A cohort stack created and deployed once on `pin`, by hand (no rollout marker). */
  async seedCohort(
    stack: string,
    cohort: string,
    pin: Pin,
    config: Record<string, string> = {},
  ): Promise<void> {
    await this.pulumi(["stack", "init", stack]);
    const pairs = Object.entries({ part: "cohort", cohort, pin: JSON.stringify(pin), ...config });
    await this.pulumi([
      "config",
      "set-all",
      "--stack",
      stack,
      ...pairs.flatMap(([k, v]) => ["--plaintext", `${PROJECT}:${k}=${v}`]),
    ]);
    await this.pulumi([
      "up",
      "--yes",
      "--skip-preview",
      "--stack",
      stack,
      "--message",
      `[cohort-rollout release=${pin.release} revision=none]`,
    ]);
  }

  /** Makes the program wait at `step` of `stack` until `release(...)`. */
  hold(stack: string, step: HoldStep): void {
    writeFileSync(join(this.holdDir, `${stack}.${step}.hold`), "");
  }

  release(stack: string, step: HoldStep): void {
    rmSync(join(this.holdDir, `${stack}.${step}.hold`), { force: true });
  }

  /** Resolves once the program reached `step` of `stack` (polls a marker file). */
  async reached(stack: string, step: HoldStep, timeoutMs = 300_000): Promise<void> {
    const marker = join(this.holdDir, `${stack}.${step}.started`);
    const until = Date.now() + timeoutMs;
    while (!existsSync(marker)) {
      if (Date.now() > until) throw new Error(`${stack} never reached ${step}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Forgets that a step was reached (before holding it again). */
  resetMarker(stack: string, step: HoldStep): void {
    rmSync(join(this.holdDir, `${stack}.${step}.started`), { force: true });
  }

  /** The lock files a stack has on the file backend. */
  locks(stack: string): string[] {
    const dir = join(this.stateDir, ".pulumi", "locks", "organization", PROJECT, stack);
    return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".json")) : [];
  }

  /** The stack's state as `pulumi stack export` prints it. */
  async exported(stack: string): Promise<{
    resources: { urn: string; type: string; id?: string }[];
    pending: { type: string; urn: string }[];
  }> {
    const raw = JSON.parse(await this.pulumi(["stack", "export", "--stack", stack])) as {
      deployment: {
        resources?: { urn: string; type: string; id?: string }[];
        pending_operations?: { type: string; resource: { urn: string } }[];
      };
    };
    return {
      resources: raw.deployment.resources ?? [],
      pending: (raw.deployment.pending_operations ?? []).map((p) => ({
        type: p.type,
        urn: p.resource.urn,
      })),
    };
  }

  /** Physical resources in the "cloud" (file names are their physical names). */
  cloud(): string[] {
    return readdirSync(this.cloudDir).map(decodeURIComponent).sort();
  }

  /** Pids of processes still running for `stack` (tagged by the driver, or started here). */
  pulumiProcesses(stack: string): number[] {
    const found: number[] = [];
    for (const entry of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
      try {
        const vars = readFileSync(`/proc/${entry}/environ`, "utf8").split("\0");
        const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
        if (/\) Z /.test(stat)) continue; // a zombie holds nothing
        if (
          vars.includes(`${STACK_TAG}=${stack}`) ||
          vars.includes(`COHORT_TEST_OWNER=${this.dir}:${stack}`)
        )
          found.push(Number(entry));
      } catch {
        // gone
      }
    }
    return found;
  }

  /** Kills whatever is left of this project's processes (afterAll). */
  static cleanUp(): void {
    for (const dir of EngineProject.dirs.splice(0)) {
      for (const entry of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
        try {
          const vars = readFileSync(`/proc/${entry}/environ`, "utf8");
          if (vars.includes(`COHORT_TEST_CLOUD_DIR=${join(dir, "cloud")}\0`))
            process.kill(Number(entry), "SIGKILL");
        } catch {
          // gone, or not ours
        }
      }
      if (!process.env.KEEP_ENGINE_PROJECTS) rmSync(dir, { recursive: true, force: true });
    }
  }
}

export type HoldStep = "storage-create" | "service-create" | "service-update" | "queue-create";

/** The program in a project dir: Pulumi.yaml, and links to the program and the project's modules. */
export function writeProgram(projectDir: string): void {
  writeFileSync(
    join(projectDir, "Pulumi.yaml"),
    `name: ${PROJECT}\nruntime:\n  name: nodejs\n  options:\n    typescript: false\n`,
  );
  // The program is linked, not copied: Node resolves its modules from the repository.
  symlinkSync(join(PROGRAM_DIR, "index.js"), join(projectDir, "index.js"));
  symlinkSync(join(PROGRAM_DIR, "package.json"), join(projectDir, "package.json"));
  symlinkSync(join(PROJECT_ROOT, "node_modules"), join(projectDir, "node_modules"));
}
