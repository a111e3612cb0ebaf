/**
 * How bad environment input reads to the person who wrote it: an unknown key
 * is named as such (not given another field's hint), a value of the wrong
 * type gets one problem (not the checks that only apply to the right type),
 * and a YAML syntax error names its file.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CohortSpecError } from "../../components/errors.js";
import { validateArgs } from "../../components/validate.js";
import { loadEnvironmentFile } from "../../stacks/environment.js";
import { cohort, validArgs } from "./support/args.js";

function problemsOf(mutate: (env: Record<string, unknown>) => void) {
  const args = validArgs();
  const env = structuredClone(args.environment) as unknown as Record<string, unknown>;
  mutate(env);
  try {
    validateArgs("svc", { ...args, environment: env as never });
  } catch (err) {
    expect(err).toBeInstanceOf(CohortSpecError);
    return [...(err as CohortSpecError).problems];
  }
  throw new Error("expected the args to be refused");
}

describe("environment input errors", () => {
  it("an unknown key in a cohort is named with its own path, without the cohorts hint", () => {
    const problems = problemsOf((env) => {
      env.cohorts = [{ ...cohort("free", 0), bakeMinuts: 5 }, cohort("pro", 1)];
    });
    const inCohort = problems.filter((p) => p.path.startsWith("environment.cohorts[0]"));
    expect(inCohort.map((p) => [p.path, p.problem])).toEqual([
      ["environment.cohorts[0].bakeMinuts", "unknown key"],
    ]);
    expect(inCohort[0]?.hint).not.toContain("define at least one cohort");
  });

  it("an unknown top-level key of the environment is named too", () => {
    const problems = problemsOf((env) => {
      env.cohortz = [];
    });
    expect(problems.map((p) => [p.path, p.problem])).toContainEqual([
      "environment.cohortz",
      "unknown key",
    ]);
  });

  it("hosts given as a string gets one problem: it is not a list (no '<=3 characters' line)", () => {
    const problems = problemsOf((env) => {
      env.cohorts = [
        { ...cohort("free", 0), match: { hosts: "api.example.com", header: "free" } },
        cohort("pro", 1),
      ];
    });
    const hosts = problems.filter((p) => p.path === "environment.cohorts[0].match.hosts");
    expect(hosts).toHaveLength(1);
    expect(hosts[0]?.problem).toMatch(/expected array/);
    expect(problems.some((p) => p.problem.includes("characters"))).toBe(false);
  });
});

describe("environment files", () => {
  const dir = mkdtempSync(join(tmpdir(), "env-files-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("a YAML syntax error names the file, line and column", () => {
    writeFileSync(join(dir, "broken.yaml"), "name: broken\ncohorts: [\n  - name: a\n");
    expect(() => loadEnvironmentFile("broken", `${dir}/`)).toThrow(
      new RegExp(`${join(dir, "broken.yaml").replace(/[.]/g, "\\.")}:\\d+:\\d+: not valid YAML`),
    );
  });
});
