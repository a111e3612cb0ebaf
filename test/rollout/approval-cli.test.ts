/**
 * `approve` and `reject` through the CLI, with the real file ledger and a
 * FileWorld on a virtual clock: `deploy --approve-before` and the
 * environment's `approval: required` hold a release (exit 3) in a condition
 * `status` shows (text and --json: wave, cohorts, who may approve, since
 * when, the command); `approve` records who and why and `resume` continues;
 * `reject` ends the release and reverts what it reached; bad requests are
 * refused with every problem named (exit 2).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../stacks/rollout/cli/main.js";
import type { CliIo } from "../../stacks/rollout/cli/commands/context.js";
import { FakeClock } from "../kit/clock.js";
import {
  FileWorld,
  OLD_PIN,
  type WorldState,
  threeCohortWorld,
  worldPorts,
} from "../kit/file-world.js";

function setup(edit: (w: WorldState) => WorldState = (w) => w) {
  const dir = mkdtempSync(join(tmpdir(), "rollout-approval-"));
  writeFileSync(join(dir, "Pulumi.yaml"), "name: cohort-service\nruntime: nodejs\n");
  const clock = new FakeClock(Date.UTC(2026, 10, 22));
  const world = FileWorld.create(join(dir, "world.json"), edit(threeCohortWorld()), clock);
  const cli = async (...args: string[]) => {
    let stdout = "";
    let stderr = "";
    const io: CliIo = {
      stdout: (t) => void (stdout += t),
      stderr: (t) => void (stderr += t),
      isTTY: false,
      env: { COHORT_ROLLOUT_USER: "ci-bot" },
    };
    const code = await main(args, { io, ports: worldPorts(world, clock) });
    return { code, stdout, stderr };
  };
  const env = ["--environment", "prod", "--project-dir", dir];
  return { world, cli, env };
}

interface StatusJson {
  releases: {
    release: string;
    status: string;
    awaitingApproval?: {
      wave: number;
      cohorts: string[];
      approvers: string[];
      since: string;
      approveCommand: string;
    };
    approvals?: { wave: number; approvedBy?: string; reason?: string }[];
    rejection?: { wave: number; by: string; reason: string };
  }[];
}

describe("approvals through the CLI", () => {
  it("deploy --approve-before waits (exit 3), status shows it, approve records who and why, resume continues", async () => {
    const { world, cli, env } = setup();
    const d = await cli(
      "deploy",
      ...env,
      "--release",
      "r1",
      "--version",
      "2.0.0",
      "--approve-before",
      "enterprise",
    );
    expect(d.code).toBe(3);
    expect(d.stderr).toContain("awaiting-approval");
    expect(d.stderr).toContain("approve --environment prod --release r1 --wave 3");
    expect(world.pinOf("prod.enterprise")).toEqual(OLD_PIN);

    const s = JSON.parse((await cli("status", ...env, "--json")).stdout) as StatusJson;
    const r = s.releases[0];
    expect(r?.status).toBe("awaiting-approval");
    expect(r?.awaitingApproval).toMatchObject({ wave: 2, cohorts: ["enterprise"], approvers: [] });
    expect(r?.awaitingApproval?.since).toMatch(/^2026-11-22T/);
    expect(r?.awaitingApproval?.approveCommand).toContain(
      "approve --environment prod --release r1 --wave 3",
    );
    const text = (await cli("status", ...env)).stdout;
    expect(text).toContain("AWAITING APPROVAL before wave 3 (enterprise) since 2026-11-22T");
    expect(text).toContain("may approve: anyone who can write the ledger");

    const a = await cli(
      "approve",
      ...env,
      "--release",
      "r1",
      "--wave",
      "3",
      "--reason",
      "CHG-42",
      "--json",
    );
    expect(a.code).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({
      kind: "approved",
      release: "r1",
      wave: 2,
      by: "ci-bot",
      reason: "CHG-42",
    });

    const resumed = await cli("resume", ...env, "--release", "r1");
    expect(resumed.code).toBe(0);
    expect(world.pinOf("prod.enterprise")?.release).toBe("r1");
    const after = JSON.parse((await cli("status", ...env, "--json")).stdout) as StatusJson;
    expect(after.releases[0]?.approvals).toEqual([
      expect.objectContaining({ wave: 2, approvedBy: "ci-bot", reason: "CHG-42" }),
    ]);
  });

  it("reject ends the waiting release and reverts what it reached (exit 1)", async () => {
    const { world, cli, env } = setup();
    expect(
      (
        await cli(
          "deploy",
          ...env,
          "--release",
          "r1",
          "--version",
          "2.0.0",
          "--approve-before",
          "pro",
        )
      ).code,
    ).toBe(3);
    expect(world.pinOf("prod.free")?.release).toBe("r1");
    const rj = await cli(
      "reject",
      ...env,
      "--release",
      "r1",
      "--wave",
      "2",
      "--by",
      "carol",
      "--reason",
      "freeze",
    );
    expect(rj.code).toBe(1);
    for (const s of ["prod.free", "prod.pro", "prod.enterprise"])
      expect(world.pinOf(s)).toEqual(OLD_PIN);
    const s = JSON.parse((await cli("status", ...env, "--json")).stdout) as StatusJson;
    expect(s.releases[0]?.status).toBe("aborted");
    expect(s.releases[0]?.rejection).toMatchObject({ wave: 1, by: "carol", reason: "freeze" });
  });

  it("the environment's approvers: only they may approve; bad requests name every problem", async () => {
    const { cli, env } = setup((w) => ({
      ...w,
      environment: {
        ...w.environment,
        cohorts: w.environment.cohorts.map((c) =>
          c.name === "enterprise"
            ? { ...c, approval: "required" as const, approvers: ["alice", "bob"] }
            : c,
        ),
      },
    }));
    expect((await cli("deploy", ...env, "--release", "r1", "--version", "2.0.0")).code).toBe(3);
    const s = JSON.parse((await cli("status", ...env, "--json")).stdout) as StatusJson;
    expect(s.releases[0]?.awaitingApproval?.approvers).toEqual(["alice", "bob"]);

    const bad = await cli("approve", ...env, "--wave", "zero");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--release: required");
    expect(bad.stderr).toContain('--wave: "zero" is not a wave number');
    expect(bad.stderr).toContain("--reason: required");

    const noGate = await cli("approve", ...env, "--release", "r1", "--wave", "2", "--reason", "x");
    expect(noGate.code).toBe(2);
    expect(noGate.stderr).toContain("wave 2 of r1 needs no approval; waves that do: 3");

    const mallory = await cli(
      "approve",
      ...env,
      "--release",
      "r1",
      "--wave",
      "3",
      "--by",
      "mallory",
      "--reason",
      "x",
    );
    expect(mallory.code).toBe(2);
    expect(mallory.stderr).toContain(
      "mallory may not decide wave 3 of r1 (enterprise): its approvers are alice, bob",
    );

    const alice = await cli(
      "approve",
      ...env,
      "--release",
      "r1",
      "--wave",
      "3",
      "--by",
      "alice",
      "--reason",
      "ok",
    );
    expect(alice.code).toBe(0);
    expect((await cli("resume", ...env)).code).toBe(0);
  });

  it("--approve-before naming a cohort the plan does not have is refused before anything is recorded", async () => {
    const { cli, env } = setup();
    const d = await cli(
      "deploy",
      ...env,
      "--release",
      "r1",
      "--version",
      "2.0.0",
      "--approve-before",
      "enterprize",
    );
    expect(d.code).toBe(2);
    expect(d.stderr).toContain(
      '--approve-before: no cohort "enterprize" in the plan; cohorts: free, pro, enterprise',
    );
    expect(JSON.parse((await cli("status", ...env, "--json")).stdout)).toMatchObject({
      releases: [],
    });
  });
});
