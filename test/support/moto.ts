/**
 * The AWS API emulator harness: moto in server mode, started through
 * scripts/local-aws.sh (the launcher a user runs to try the rollout locally),
 * on a free 127.0.0.1 port, killed with its process group.
 *
 * `sharedMoto()` gives a test file its own account on the run's one shared
 * server (started by test/support/moto-global-setup.ts): files share the
 * process, never the state. `startMoto()` starts a server of the file's own,
 * for tests that stop or restart it.
 *
 * Provisioning runs scripts/ensure-moto.sh (a project-local venv). In CI
 * (CI=true) a failure to provision throws, so the test file FAILS; elsewhere
 * the tests skip with a loud warning naming the reason.
 *
 *   const moto = await ensureMoto();                  // top level of the test file
 *   describe.skipIf(!moto.available)(`... ${moto.reason ?? ""}`, () => {
 *     let aws: MotoServer;
 *     beforeAll(async () => { aws = await startMoto(); });
 *     afterAll(async () => { await aws.stop(); });
 *   });
 */
import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomInt } from "node:crypto";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const ENSURE_SCRIPT = join(ROOT, "scripts", "ensure-moto.sh");

export interface MotoServer {
  /** e.g. http://127.0.0.1:40123 */
  endpoint: string;
  /** The server's process id (its process group id too). */
  pid: number;
  stop(): Promise<void>;
}

export interface MotoAvailability {
  available: boolean;
  /** Why it is unavailable (undefined when available). */
  reason?: string;
  /** Path of moto_server when available. */
  binary?: string;
}

/** CI is "set" unless empty or explicitly false: CI must never skip emulator tests. */
export function inCi(): boolean {
  const ci = (process.env.CI ?? "").trim().toLowerCase();
  return ci !== "" && ci !== "false" && ci !== "0";
}

interface ScriptResult {
  status: number | null;
  stdout: string;
  stderr: string;
  error?: string;
}

/** Runs scripts/ensure-moto.sh without blocking the event loop (a first install takes a minute). */
function runEnsureScript(): Promise<ScriptResult> {
  return new Promise((resolve) => {
    execFile(
      "bash",
      [ENSURE_SCRIPT],
      { cwd: ROOT, encoding: "utf8", timeout: 600_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const status = error ? (typeof error.code === "number" ? error.code : null) : 0;
        const result: ScriptResult = { status, stdout, stderr };
        if (error && typeof error.code !== "number") result.error = error.message;
        resolve(result);
      },
    );
  });
}

let cached: MotoAvailability | undefined;
let pending: Promise<MotoAvailability> | undefined;

/** The verdict from one run of the script; throws in CI rather than skip. */
function verdict(result: ScriptResult): MotoAvailability {
  const binary = result.stdout.trim().split("\n").pop() ?? "";
  if (result.status === 0 && binary && existsSync(binary)) return { available: true, binary };
  const reason =
    `moto (AWS API emulator) could not be provisioned by scripts/ensure-moto.sh ` +
    `(exit ${String(result.status)}${result.error ? `, ${result.error}` : ""}): ` +
    (result.stderr.trim() || "no output");
  if (inCi()) {
    throw new Error(
      `CI is set (CI=${String(process.env.CI)}): refusing to skip AWS emulator tests: ${reason}`,
    );
  }
  console.warn(`\n!!! SKIPPED: AWS emulator (moto) tests: ${reason}\n`);
  return { available: false, reason };
}

/**
 * Make sure moto can run (once per process), without blocking the event
 * loop: use this at the top level of a test file (`await ensureMoto()`).
 * Outside CI an impossible provisioning resolves to `{ available: false,
 * reason }` and warns loudly; in CI it rejects, so the file fails, never skips.
 */
export function ensureMoto(): Promise<MotoAvailability> {
  if (cached) return Promise.resolve(cached);
  pending ??= runEnsureScript().then((result) => (cached = verdict(result)));
  return pending;
}

/** The same as ensureMoto, synchronously (blocks while a first install runs; for scripts). */
export function motoAvailability(): MotoAvailability {
  if (cached) return cached;
  const result = spawnSync("bash", [ENSURE_SCRIPT], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 600_000,
  });
  const scriptResult: ScriptResult = {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
  };
  if (result.error) scriptResult.error = result.error.message;
  cached = verdict(scriptResult);
  return cached;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("could not read the bound port"));
        return;
      }
      const port = address.port;
      server.close(() => resolve(port));
    });
  });
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/** The emulator launcher a user runs too (moto, completed for the rollout: see the script). */
const LAUNCHER = join(ROOT, "scripts", "local-aws.sh");

/** Set by test/support/moto-global-setup.ts: the run's one shared server, for sharedMoto(). */
export const SHARED_MOTO_ENV = "COHORT_TEST_SHARED_MOTO";

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A test process that dies without afterAll must not leave servers behind.
  process.on("exit", () => {
    for (const child of live) killGroup(child, "SIGKILL");
  });
}

/** Start a fresh moto server on a free loopback port and wait until it answers. */
export async function startMoto(): Promise<MotoServer> {
  const availability = await ensureMoto();
  if (!availability.available || !availability.binary) {
    throw new Error(availability.reason ?? "moto is unavailable");
  }
  installExitHook();
  let lastError = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${String(port)}`;
    const child = spawn("bash", [LAUNCHER, "--host", "127.0.0.1", "--port", String(port)], {
      detached: true,
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, PYTHONUNBUFFERED: "1" },
    });
    live.add(child);
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    let exited = false;
    child.on("exit", () => {
      exited = true;
      live.delete(child);
    });
    const deadline = Date.now() + 30_000;
    while (!exited && Date.now() < deadline) {
      if (await answers(endpoint)) {
        const pid = child.pid ?? -1;
        return {
          endpoint,
          pid,
          stop: () => stopChild(child),
        };
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    await stopChild(child);
    lastError = exited
      ? `moto_server exited early: ${stderr.trim()}`
      : "moto_server did not answer within 30 s";
  }
  throw new Error(`could not start moto_server: ${lastError}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    live.delete(child);
    return;
  }
  const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  killGroup(child, "SIGTERM");
  const timer = setTimeout(() => killGroup(child, "SIGKILL"), 3000);
  await gone;
  clearTimeout(timer);
  live.delete(child);
}

/**
 * This test file's own account on the run's shared server (the account is in the endpoint's
 * path, so every client and child process given the endpoint sees only this account's state),
 * or a server of its own when no shared one runs (a file run outside the suite's config).
 * `stop()` leaves the shared server running: the global setup stops it after the run.
 */
export async function sharedMoto(): Promise<MotoServer> {
  const shared = process.env[SHARED_MOTO_ENV];
  if (shared === undefined || shared === "") return startMoto();
  const [base, pid] = shared.split(" ");
  const account = String(randomInt(100_000_000_000, 999_999_999_999));
  return { endpoint: `${base ?? ""}/account/${account}`, pid: Number(pid), stop: async () => {} };
}

/** Client config for an AWS SDK v3 client pointed at the emulator. */
export function awsTestClientConfig(endpoint: string): {
  region: string;
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  maxAttempts: number;
} {
  return {
    region: "us-east-1",
    endpoint,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    maxAttempts: 1,
  };
}
