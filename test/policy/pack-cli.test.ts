import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, mkdirSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineEnv, PROJECT_ROOT, pulumiEngineFor } from "../support/engine.js";

/**
 * The shared-nothing pack through the real Pulumi CLI: `pulumi preview --policy-pack
 * policies/shared-nothing` loads the pack the way a user's CLI does (PulumiPolicy.yaml,
 * package.json "main", run.cjs, tsx, index.ts) and judges a program's resources. The AWS
 * provider cannot be had here, so the program (cli-program/) declares Kubernetes resources
 * through a provider that renders them to YAML files: no cluster, no cloud, a real preview.
 */
const SUITE = "shared-nothing pack through the real CLI";
const engine = pulumiEngineFor(SUITE);
const PACK = join(PROJECT_ROOT, "policies", "shared-nothing");
/** A real preview (language host, provider plugin, policy pack process) on a busy 2-core machine. */
const CLI_TIMEOUT_MS = 300_000;

interface Run {
  code: number;
  output: string;
}

function pulumi(args: string[], cwd: string, env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      "pulumi",
      [...args, "--non-interactive"],
      { cwd, env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ code, output: `${stdout}\n${stderr}` });
      },
    );
  });
}

describe.skipIf(engine === undefined)(SUITE, () => {
  let dir: string;
  let env: Record<string, string>;

  /** A stack of the program with `variant`, ready to preview. */
  async function stack(variant: string): Promise<void> {
    const render = join(dir, "render", variant);
    mkdirSync(render, { recursive: true });
    for (const args of [
      ["stack", "init", variant],
      ["config", "set", "--stack", variant, "variant", variant],
      ["config", "set", "--stack", variant, "renderDir", render],
    ]) {
      const run = await pulumi(args, dir, env);
      expect(run.code, run.output).toBe(0);
    }
  }

  beforeAll(async () => {
    if (engine === undefined) return;
    dir = mkdtempSync(join(tmpdir(), "pack-cli-"));
    cpSync(join(PROJECT_ROOT, "test", "policy", "cli-program"), dir, { recursive: true });
    // The program resolves @pulumi/* from the project's install, as if it lived in the repo.
    symlinkSync(join(PROJECT_ROOT, "node_modules"), join(dir, "node_modules"), "dir");
    env = engineEnv(engine, join(dir, "state"));
    await stack("clean");
    await stack("host-path-volume");
  }, CLI_TIMEOUT_MS);

  afterAll(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it(
    "a clean program passes: exit 0, the pack ran and reported nothing",
    async () => {
      const run = await pulumi(["preview", "--stack", "clean", "--policy-pack", PACK], dir, env);
      expect(run.code, run.output).toBe(0);
      // The pack really ran (a pack the CLI cannot load fails the preview instead).
      expect(run.output).toContain("shared-nothing@v0.1.0");
      expect(run.output).not.toContain("[mandatory]");
      expect(run.output).toContain("kubernetes:core/v1:ResourceQuota");
    },
    CLI_TIMEOUT_MS,
  );

  it(
    "a violating program fails: exit 1, the rule and its message for the offending resource",
    async () => {
      const run = await pulumi(
        ["preview", "--stack", "host-path-volume", "--policy-pack", PACK],
        dir,
        env,
      );
      expect(run.code, run.output).toBe(1);
      expect(run.output).toContain("shared-nothing@v0.1.0");
      expect(run.output).toMatch(
        /\[mandatory\]\s+k8s-no-host-path\s+\(kubernetes:core\/v1:PersistentVolume: node-disk\)/,
      );
      expect(run.output).toContain(
        'kubernetes:core/v1:PersistentVolume "node-disk" (cohort free) is a hostPath volume (/var/lib/shared)',
      );
      // Exactly one violation: the rest of the program is the clean one.
      expect(run.output.match(/\[mandatory\]/g)).toHaveLength(1);
      // A preview renders nothing: the policy failure stopped nothing that had started.
      expect(readdirSync(join(dir, "render", "host-path-volume"))).toEqual([]);
    },
    CLI_TIMEOUT_MS,
  );
});
