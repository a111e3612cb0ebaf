/**
 * Notifications through the CLI: `deploy` derives them from what it records
 * and hands them to the environment's sinks (here a webhook whose secret
 * reference is unset, so no request leaves the process and the outcome is
 * certain); every one fails, none of it changes the run's outcome, and
 * `status` (text and --json) shows the failed deliveries with why.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../../stacks/rollout/cli/main.js";
import type { CliIo } from "../../../stacks/rollout/cli/commands/context.js";
import { FakeClock } from "../../kit/clock.js";
import { FileWorld, threeCohortWorld, worldPorts } from "../../kit/file-world.js";

function setup() {
  const dir = mkdtempSync(join(tmpdir(), "rollout-notify-"));
  writeFileSync(join(dir, "Pulumi.yaml"), "name: cohort-service\nruntime: nodejs\n");
  const clock = new FakeClock(Date.UTC(2026, 10, 22));
  const base = threeCohortWorld({ badVersions: ["6.6.6"] });
  const world = FileWorld.create(
    join(dir, "world.json"),
    {
      ...base,
      environment: {
        ...base.environment,
        notifications: {
          sinks: [
            {
              type: "webhook",
              name: "ops",
              url: "http://127.0.0.1:9/hook",
              secret: "env:ROLLOUT_TEST_WEBHOOK_SECRET",
              attempts: 3,
              timeoutSeconds: 5,
              kinds: ["gate-failed", "reverted"],
            },
          ],
        },
      },
    },
    clock,
  );
  const cli = async (...args: string[]) => {
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
  };
  return { dir, cli };
}

describe("notification deliveries in status", () => {
  it("a sink that cannot deliver leaves the revert alone and shows in status", async () => {
    const { dir, cli } = setup();
    const env = ["--environment", "prod", "--project-dir", dir];
    const d = await cli("deploy", ...env, "--release", "r-bad", "--version", "6.6.6");
    expect(d.code).toBe(1); // reverted, as without notifications
    expect(d.stderr).toContain("env:ROLLOUT_TEST_WEBHOOK_SECRET is not set");

    const json = await cli("status", ...env, "--json");
    const view = JSON.parse(json.stdout) as {
      notifications: {
        outbox: string;
        failed: { kind: string; sink: string; attempts: number; lastError: string }[];
        pending: unknown[];
      };
    };
    expect(view.notifications.outbox).toBe(join(dir, ".rollout", "prod.outbox.jsonl"));
    // Only the kinds the sink asked for; each tried once (a missing secret is not retried).
    expect(view.notifications.failed.map((f) => f.kind)).toEqual(["gate-failed", "reverted"]);
    for (const f of view.notifications.failed) {
      expect(f).toMatchObject({ sink: "ops", attempts: 1 });
      expect(f.lastError).toContain("env:ROLLOUT_TEST_WEBHOOK_SECRET is not set");
    }
    expect(view.notifications.pending).toEqual([]);

    const text = await cli("status", ...env);
    expect(text.stdout).toContain(
      "notification FAILED: gate-failed of r-bad to ops after 1 attempt(s): env:ROLLOUT_TEST_WEBHOOK_SECRET is not set",
    );
  });
});
