/**
 * Contract suite: the AutomationDriver against a REAL `pulumi` CLI on PATH,
 * with a local file backend in a temp dir and the passphrase secrets
 * provider. It checks that what the recording tests assert (argument shapes,
 * `config --json`, `stack history --json`, `stack output --json`, engine
 * events) is what a real CLI accepts and prints.
 *
 * The program is Pulumi YAML (the language host ships with the CLI), so the
 * suite needs no npm install, no provider plugin and no cloud account.
 *
 * No `pulumi` on PATH: the suite is skipped with a loud SKIPPED line (these
 * machines cannot install the CLI). Set COHORT_ROLLOUT_REQUIRE_PULUMI=1 to
 * make a missing CLI a failure instead (a CI that provisions the CLI).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AutomationDriver } from "../../stacks/rollout/adapters/automation-driver.js";
import type { Release } from "../../stacks/rollout/ports.js";

interface CliProbe {
  available: boolean;
  version?: string;
  reason?: string;
}

function probePulumi(): CliProbe {
  const result = spawnSync("pulumi", ["version"], { encoding: "utf8", timeout: 30_000 });
  if (result.status === 0) return { available: true, version: result.stdout.trim() };
  const reason = result.error
    ? `no \`pulumi\` on PATH (${result.error.message})`
    : `\`pulumi version\` exited ${String(result.status)}: ${result.stderr.trim()}`;
  if (process.env.COHORT_ROLLOUT_REQUIRE_PULUMI) {
    throw new Error(`COHORT_ROLLOUT_REQUIRE_PULUMI is set but ${reason}`);
  }
  console.warn(
    `\n!!! SKIPPED: Pulumi CLI contract suite (test/adapters/pulumi-contract.test.ts): ${reason}. ` +
      `Install the Pulumi CLI (>= 3.100) to run it.\n`,
  );
  return { available: false, reason };
}

const cli = probePulumi();

/** A provider-free Pulumi YAML program whose outputs follow the `pin` config. */
const PROGRAM = `name: cohort-service
runtime: yaml
config:
  pin:
    type: string
    default: '{"release":"none","version":"none","config":{}}'
outputs:
  pinJson: \${pin}
`;

const r = (id: string, version: string, config: Record<string, string> = {}): Release => ({
  id,
  version,
  config,
});

describe.skipIf(!cli.available)(
  `AutomationDriver against a real pulumi ${cli.version ?? ""}`,
  () => {
    const base = mkdtempSync(join(tmpdir(), "pulumi-contract-"));
    const workDir = join(base, "project");
    const backend = join(base, "backend");
    mkdirSync(workDir, { recursive: true });
    mkdirSync(backend, { recursive: true });
    writeFileSync(join(workDir, "Pulumi.yaml"), PROGRAM);
    const driver = new AutomationDriver({
      workDir,
      envVars: {
        PULUMI_BACKEND_URL: `file://${backend}`,
        PULUMI_CONFIG_PASSPHRASE: "contract-test",
        PULUMI_SKIP_UPDATE_CHECK: "true",
      },
    });
    const STACK = "prod.free";

    it("a never-deployed stack has no pin, no good update and no outputs", async () => {
      expect(await driver.readPin(STACK)).toBeUndefined();
      expect(await driver.lastGoodUpdate(STACK)).toBeUndefined();
      expect(await driver.outputs(STACK)).toEqual({});
    }, 120_000);

    it("applies, reads back, previews without changing the pin, reverts and refreshes", async () => {
      const first = await driver.apply(STACK, r("r1", "1.0.0", { LOG: "info" }));
      expect(first).toMatchObject({ ok: true });
      expect(first.updateVersion).toBeGreaterThanOrEqual(1);
      const pinV1 = { release: "r1", version: "1.0.0", config: { LOG: "info" } };
      expect(await driver.readPin(STACK)).toEqual(pinV1);
      const outputs = await driver.outputs(STACK);
      expect(JSON.parse(String(outputs.pinJson))).toEqual(pinV1);

      const good = await driver.lastGoodUpdate(STACK);
      expect(good).toMatchObject({ version: first.updateVersion, result: "succeeded" });
      expect(JSON.parse(good?.config["cohort-service:pin"] ?? "{}")).toEqual(pinV1);

      const preview = await driver.preview(STACK, r("r2", "2.0.0"));
      // Only the stack's outputs change: the engine counts its one resource (the stack).
      const counted = Object.values(preview.summary).reduce((a, n) => a + n, 0);
      expect(counted).toBeGreaterThanOrEqual(1);
      expect(await driver.readPin(STACK)).toEqual(pinV1);

      const second = await driver.apply(STACK, r("r2", "2.0.0"));
      expect(second.ok).toBe(true);
      expect((await driver.readPin(STACK))?.version).toBe("2.0.0");
      const history = await driver.history(STACK);
      expect(history.map((h) => h.version)).toEqual([second.updateVersion, first.updateVersion]);

      const reverted = await driver.revert(STACK, good!);
      expect(reverted.ok).toBe(true);
      expect(await driver.readPin(STACK)).toEqual(pinV1);
      expect(JSON.parse(String((await driver.outputs(STACK)).pinJson))).toEqual(pinV1);

      const refreshed = await driver.refresh(STACK);
      expect(refreshed.ok).toBe(true);
      // A refresh is not an update: the last good update is still the revert.
      expect((await driver.lastGoodUpdate(STACK))?.version).toBe(reverted.updateVersion);
    }, 300_000);

    it("never touches another stack", async () => {
      expect(await driver.readPin("prod.pro")).toBeUndefined();
    }, 120_000);
  },
);
