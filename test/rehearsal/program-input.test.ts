/**
 * The rehearsal takes the program it rehearses as an input (`--program <dir>`, default the
 * current folder), not by importing the example: a project of another name, another config
 * namespace and a plain-JavaScript entry module is rehearsed from its Pulumi.yaml alone, and a
 * folder that is not a Node.js Pulumi project is refused with the flag and the fix.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runRehearse } from "../../stacks/rollout/rehearsal/run.js";
import { loadRehearsalEnvironment } from "../../stacks/rollout/rehearsal/program/component-alarms.js";
import { loadPulumiProject } from "../../stacks/rollout/rehearsal/program/project.js";

const OTHER = fileURLToPath(new URL("./fixtures/other-program/", import.meta.url));

describe("rehearsal --program", () => {
  it("rehearses another project's program: its cohorts, its alarms, its namespace", async () => {
    const env = await loadRehearsalEnvironment("stage", { program: OTHER });
    expect(env.name).toBe("stage");
    expect(env.cohorts.map((c) => c.name)).toEqual(["alpha", "beta"]);
    expect(env.alarms.map((a) => a.name).sort()).toEqual([
      "other-stage-alpha-errors",
      "other-stage-alpha-health",
      "other-stage-beta-errors",
      "other-stage-beta-health",
    ]);
    expect(env.alarms.find((a) => a.name === "other-stage-beta-health")).toMatchObject({
      kind: "composite",
      cohort: "beta",
      alarmRule: 'ALARM("other-stage-beta-errors")',
    });
    expect(env.alarmSource).toContain("main.mjs");
  });

  it("runs the whole rehearsal of it from the CLI options", async () => {
    let out = "";
    let err = "";
    const io = {
      out: (t: string) => void (out += t),
      err: (t: string) => void (err += t),
      exit: () => {},
    };
    const dir = mkdtempSync(join(tmpdir(), "rehearse-other-"));
    const code = await runRehearse(
      { program: OTHER, environment: "stage", json: true, out: join(dir, "report.html") },
      io,
    );
    // The hand-written alarms watch a metric without its dimensions: they see nothing, the
    // rehearsal says so, and the bad release escapes. That is the rehearsal's verdict on
    // this program, not a failure of the run.
    expect(err).toBe("");
    expect(code).toBe(1);
    const result = JSON.parse(out) as { verdict: { ok: boolean }; warnings: string[] };
    expect(result.verdict.ok).toBe(false);
    expect(result.warnings.join("\n")).toMatch(/other-stage-alpha-errors: .*receive no data/);
  });

  it("refuses an environment that keeps several cohorts in one stack, naming them", async () => {
    await expect(loadRehearsalEnvironment("single", { program: OTHER })).rejects.toThrow(
      /environment "single" keeps several cohorts in one stack[\s\S]*stack single holds cohorts alpha, beta[\s\S]*its own stack/,
    );
  });

  it("refuses a program whose outputs break the output contract, naming each problem", async () => {
    await expect(loadRehearsalEnvironment("broken", { program: OTHER })).rejects.toThrow(
      /stack broken.alpha: its outputs do not follow the output contract[\s\S]*cohorts\.alpha\.compositeAlarmName/,
    );
  });

  it("reads the project's name, entry module and stack config folder from Pulumi.yaml", () => {
    const project = loadPulumiProject(OTHER);
    expect(project.name).toBe("other-svc");
    expect(project.main).toBe(join(OTHER, "main.mjs"));
    expect(project.stackConfigDir).toBe(join(OTHER, "config/"));
  });

  it("refuses a folder without Pulumi.yaml, naming --program and the fix", () => {
    const empty = mkdtempSync(join(tmpdir(), "no-project-"));
    expect(() => loadPulumiProject(empty)).toThrow(/--program .*no Pulumi\.yaml.*Pulumi project/);
  });

  it("refuses a project of another runtime", () => {
    const dir = mkdtempSync(join(tmpdir(), "py-project-"));
    writeFileSync(join(dir, "Pulumi.yaml"), "name: py\nruntime: python\n");
    expect(() => loadPulumiProject(dir)).toThrow(/runtime python.*runtime: nodejs/);
  });

  it("refuses an environment the project's stacks do not define, in its own namespace", async () => {
    await expect(loadRehearsalEnvironment("prod", { program: OTHER })).rejects.toThrow(
      /no stack .* has other-svc:environment: prod/,
    );
  });
});
