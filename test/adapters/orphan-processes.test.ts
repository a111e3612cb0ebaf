/**
 * killOrphans finds a dead CLI call's leftovers by the tags every call carries, and only
 * those of its own stack in its own scope (project and backend): two projects on one host
 * with the same stack name must not clean up after each other. Real processes, orphaned as a
 * killed `pulumi`'s plugins are (their parent gone, re-parented to init).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import {
  callTags,
  killOrphans,
  orphanScope,
} from "../../stacks/rollout/adapters/orphan-processes.js";

const started: number[] = [];

/** Running (a killed process whose parent does not reap it stays a zombie: not alive). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/**
 * Starts a `sleep` whose parent shell exits at once (so it is an orphan, as a killed CLI's
 * plugin is), tagged as one CLI call on `stack` in `scope`; resolves with its pid.
 */
async function orphan(stack: string, scope: string): Promise<number> {
  const shell = spawn("sh", ["-c", "sleep 300 >/dev/null 2>&1 & echo $!"], {
    env: { ...process.env, ...callTags(stack, scope) },
    stdio: ["ignore", "pipe", "ignore"],
  });
  let out = "";
  shell.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  await new Promise<void>((resolve) => shell.on("exit", () => resolve()));
  const pid = Number(out.trim());
  started.push(pid);
  return pid;
}

afterEach(() => {
  for (const pid of started.splice(0)) if (alive(pid)) process.kill(pid, "SIGKILL");
});

describe.skipIf(process.platform !== "linux")("orphaned plugin processes", () => {
  it("are killed for their own stack and scope only", async () => {
    const mine = orphanScope("shop", { PULUMI_BACKEND_URL: "file:///state/a" });
    const otherBackend = orphanScope("shop", { PULUMI_BACKEND_URL: "file:///state/b" });
    const otherProject = orphanScope("billing", { PULUMI_BACKEND_URL: "file:///state/a" });
    const target = await orphan("prod.pro", mine);
    const spared = [
      await orphan("prod.pro", otherBackend),
      await orphan("prod.pro", otherProject),
      await orphan("prod.free", mine),
    ];

    expect(killOrphans("prod.pro", mine)).toEqual([target]);
    await expect.poll(() => alive(target)).toBe(false);
    expect(spared.map(alive)).toEqual([true, true, true]);
  });

  it("leave a call alone while its controller still has it as a child", async () => {
    const scope = orphanScope("shop", { PULUMI_BACKEND_URL: "file:///state/a" });
    // A child of this process (the caller): a live call, not an orphan.
    const child = spawn("sleep", ["300"], {
      env: { ...process.env, ...callTags("prod.pro", scope) },
      stdio: "ignore",
    });
    const pid = child.pid ?? -1;
    started.push(pid);
    await new Promise<void>((resolve) => child.on("spawn", () => resolve()));
    expect(killOrphans("prod.pro", scope)).toEqual([]);
    expect(alive(pid)).toBe(true);
  });
});
