/**
 * The real Pulumi engine for tests: `pulumi` on PATH if present, else the
 * archives in ../shared/tools unpacked once into `.cache/engines/` by
 * scripts/ensure-pulumi.sh. Plugins stay local (PULUMI_HOME in the cache).
 *
 * Outside CI, a machine without either skips the suites that need it with a
 * loud `!!! SKIPPED` line naming the reason. In CI (`CI=true`) a missing
 * engine is a failure: those suites never skip there.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface PulumiEngine {
  /** Folder holding `pulumi` and its plugins: put it first on PATH. */
  binDir: string;
  /** The project-local PULUMI_HOME (plugins, credentials). */
  pulumiHome: string;
  version: string;
}

export type EngineProbe =
  { available: true; engine: PulumiEngine } | { available: false; reason: string };

let cached: EngineProbe | undefined;

/** True when CI asks every suite to run: a missing engine must fail, not skip. */
export const inCi = (): boolean => /^(1|true)$/i.test(process.env.CI ?? "");

/** Finds (and on first use unpacks) the engine; never throws. */
export function probePulumiEngine(): EngineProbe {
  if (cached) return cached;
  const run = spawnSync("bash", [join(PROJECT_ROOT, "scripts", "ensure-pulumi.sh")], {
    encoding: "utf8",
    timeout: 600_000,
  });
  if (run.status !== 0) {
    cached = { available: false, reason: run.stderr.trim() || `exit ${String(run.status)}` };
    return cached;
  }
  const vars = Object.fromEntries(
    run.stdout
      .trim()
      .split("\n")
      .map((line) => line.split("=", 2) as [string, string]),
  );
  const binDir = vars.PULUMI_BIN_DIR ?? "";
  const pulumiHome = vars.PULUMI_HOME ?? "";
  const version = spawnSync(join(binDir, "pulumi"), ["version"], {
    encoding: "utf8",
    env: { ...process.env, PULUMI_HOME: pulumiHome, PULUMI_SKIP_UPDATE_CHECK: "1" },
  });
  cached =
    version.status === 0
      ? { available: true, engine: { binDir, pulumiHome, version: version.stdout.trim() } }
      : { available: false, reason: `pulumi version failed: ${version.stderr.trim()}` };
  return cached;
}

/**
 * The engine for a suite, or undefined after a loud skip line. In CI a
 * missing engine throws, so the suite fails instead of skipping.
 */
export function pulumiEngineFor(suite: string): PulumiEngine | undefined {
  const probe = probePulumiEngine();
  if (probe.available) return probe.engine;
  const message = `the real Pulumi engine is missing (${probe.reason})`;
  if (inCi()) throw new Error(`${suite}: ${message}; CI never skips this suite`);
  console.warn(`\n!!! SKIPPED: ${suite}: ${message}. Run scripts/ensure-pulumi.sh.\n`);
  return undefined;
}

/**
 * Environment for running `pulumi` (or the Automation API) against a fresh
 * file backend: local plugins, no update checks, a test passphrase.
 */
export function engineEnv(
  engine: PulumiEngine,
  backendDir?: string,
): Record<string, string> & { PULUMI_BACKEND_URL: string } {
  const state = backendDir ?? mkdtempSync(join(tmpdir(), "pulumi-state-"));
  mkdirSync(state, { recursive: true });
  return {
    PATH: `${engine.binDir}${delimiter}${process.env.PATH ?? ""}`,
    PULUMI_HOME: engine.pulumiHome,
    PULUMI_SKIP_UPDATE_CHECK: "1",
    PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "1",
    PULUMI_CONFIG_PASSPHRASE: "cohort-tests",
    PULUMI_BACKEND_URL: `file://${state}`,
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
  };
}
