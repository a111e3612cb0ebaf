/**
 * `cohort-rollout --help` (and a usage error) must not load the heavy
 * modules: the AWS SDK, Pulumi (automation or runtime), the rehearsal's
 * component. Commands import them when they run (cli/main.ts `commands()`,
 * cli/commands/default-ports.ts, rehearsal/command.ts). Checked by recording the
 * npm packages the process resolves, not by timing; bench/startup measures
 * the time.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const RECORDER = fileURLToPath(new URL("./support/record-packages.mjs", import.meta.url));

function packagesLoadedBy(args: string[]): { status: number | null; packages: string[] } {
  const result = spawnSync(
    process.execPath,
    ["--import", "tsx", "--import", RECORDER, "stacks/rollout/cli/main.ts", ...args],
    { cwd: ROOT, encoding: "utf8", timeout: 120_000 },
  );
  const packages = [...result.stderr.matchAll(/^loaded-package (\S+)$/gm)].map((m) => m[1] ?? "");
  return { status: result.status, packages };
}

const HEAVY = /^(@pulumi\/|@aws-sdk\/|@smithy\/|@grpc\/)/;

describe("cohort-rollout startup", () => {
  it("--help loads commander and zod, and none of the AWS SDK or Pulumi", () => {
    const { status, packages } = packagesLoadedBy(["--help"]);
    expect(status).toBe(0);
    // The recorder sees the packages the CLI does load: the check can fail.
    expect(packages).toContain("commander");
    expect(packages.filter((p) => HEAVY.test(p))).toEqual([]);
  });

  it("a usage error is reported without loading them either", () => {
    const { status, packages } = packagesLoadedBy(["plan", "--environment", "bad name!"]);
    expect(status).toBe(2);
    expect(packages.filter((p) => HEAVY.test(p))).toEqual([]);
  });

  it("a command that runs does load them (the recorder would see a regression)", () => {
    const { packages } = packagesLoadedBy([
      "status",
      "--environment",
      "nowhere",
      "--project-dir",
      "/nonexistent-dir",
    ]);
    expect(packages.some((p) => HEAVY.test(p))).toBe(true);
  });
});
