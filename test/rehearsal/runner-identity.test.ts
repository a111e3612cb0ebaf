/**
 * The rehearsal drives the deploy runner itself, not a copy: the Runner the
 * plan strategy uses is the very class of stacks/rollout/executor/runner.ts, its
 * `run` is what executes during a rehearsal, and no rehearsal module
 * re-implements the runner or the decision logic.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import * as machine from "../../stacks/rollout/core/machine.js";
import { Runner as DeployRunner } from "../../stacks/rollout/executor/runner.js";
import { Runner as RehearsalRunner } from "../../stacks/rollout/rehearsal/strategies/plan.js";
import { prodEnvironment, rehearseCase } from "./support/rehearse.js";

const REHEARSAL_DIR = fileURLToPath(new URL("../../stacks/rollout/rehearsal/", import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith(".ts") ? [p] : [];
  });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the rehearsal's runner is the deploy runner", () => {
  it("is the same class object as stacks/rollout/executor/runner.ts exports", () => {
    expect(RehearsalRunner).toBe(DeployRunner);
  });

  it("executes Runner.prototype.run of stacks/rollout/executor/runner.ts during a rehearsal", async () => {
    const run = vi.spyOn(DeployRunner.prototype, "run");
    const env = await prodEnvironment();
    const r = await rehearseCase(env, { fault: { kind: "error-spike" }, strategies: ["plan"] });
    expect(run).toHaveBeenCalledTimes(1);
    expect(run.mock.calls[0]).toEqual(["candidate"]);
    expect(r.strategies[0]?.outcome).toBe("failed");
  });

  it("has no copy of the runner or the decision logic in any rehearsal module", () => {
    const files = sources(REHEARSAL_DIR);
    expect(files.length).toBeGreaterThan(10);
    const decisionExports = Object.keys(machine);
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      expect(text, file).not.toMatch(/class\s+Runner\b/);
      expect(text, file).not.toMatch(
        /function\s+(decide|decideRevert|bakeVerdict|precheckVerdict|fold)\s*\(/,
      );
      // The machine is reached only through the runner, never imported for its decisions.
      expect(text, file).not.toMatch(/from\s+"(\.\.\/)+machine\.js"/);
    }
    expect(decisionExports).toContain("decide");
  });
});
