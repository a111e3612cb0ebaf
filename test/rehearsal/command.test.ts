/**
 * `cohort-rollout rehearse` through commander, as the CLI wires it:
 * registerRehearseCommand on a Program, then parseAsync with real argv.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { rehearseCli } from "./support/rehearse-cli.js";

const dir = mkdtempSync(join(tmpdir(), "rehearse-cmd-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = rehearseCli;

describe("cohort-rollout rehearse", () => {
  it("rehearses prod with an error spike, prints the summary and writes the HTML report", async () => {
    const out = join(dir, "nested", "report.html");
    const r = await cli("--fault", "error-spike", "--seed", "4", "--out", out);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/environment prod · fault error spike/);
    expect(r.out).toMatch(/fleet-wide push\s+reverted-by-operator/);
    expect(r.out).toMatch(/verdict\s+OK \(contained\)/);
    const html = readFileSync(out, "utf8");
    expect(html).toMatch(/^<!doctype html>/);
    expect(html.match(/<svg /g)?.length).toBe(5); // exposure + one timeline per strategy
    expect(html).not.toMatch(/<script|<link|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it("prints JSON with --json: four strategies, ratios, per-cohort exposure", async () => {
    const r = await cli(
      "--fault",
      "latency",
      "--seed",
      "2",
      "--out",
      join(dir, "j.html"),
      "--json",
    );
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as {
      schemaVersion: number;
      fault: { kind: string };
      strategies: { strategy: string; exposure: { perCohort: unknown[] } }[];
      exposureRatios: Record<string, number | null>;
    };
    expect(json.schemaVersion).toBe(1);
    expect(json.fault.kind).toBe("latency-regression");
    expect(json.strategies.map((s) => s.strategy)).toEqual([
      "plan",
      "fleet-wide",
      "time-delayed",
      "staged-ungated",
    ]);
    expect(json.strategies[0]?.exposure.perCohort).toHaveLength(3);
    expect(json.exposureRatios["fleet-wide"]).toBeGreaterThan(1);
  });

  it("streams the plan runner's own progress lines on stderr with --verbose", async () => {
    const r = await cli("--fault", "crash-loop", "--verbose", "--out", join(dir, "v.html"));
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^runner: wave 1\/3: free \[candidate\]$/m);
    expect(r.err).toMatch(/^runner: #\d+ failed free \[candidate\] — alarm .*unhealthy-hosts/m);
    expect(r.err).toMatch(/^runner: #\d+ reverted free \[candidate\]$/m);
  });

  it("exits 0 with a good release that reaches every cohort", async () => {
    const r = await cli("--fault", "none", "--out", join(dir, "none.html"));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/OK \(delivered\): the good release reached all 3 cohorts/);
  });

  it("exits 1 when a latent fault shows only after every bake (the plan cannot catch it)", async () => {
    const r = await cli(
      "--fault",
      "latent",
      "--activate-after",
      "600",
      "--out",
      join(dir, "l.html"),
    );
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /NOT OK \(escaped\): the bad release is still running in free, pro, enterprise/,
    );
  });

  it("reports every bad option at once, with its flag, and exits 2 without writing a report", async () => {
    const out = join(dir, "bad.html");
    const r = await cli(
      "--seed",
      "abc",
      "--operator-response",
      "0",
      "--environment",
      "Prod!",
      "--out",
      out,
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--seed: expected a number/);
    expect(r.err).toMatch(/--operator-response: must be at least 1/);
    expect(r.err).toMatch(/--environment: lowercase/);
    expect(existsSync(out)).toBe(false);
  });

  it("with --json, also prints a usage error as JSON on stdout", async () => {
    const r = await cli("--environment", "staging", "--json", "--out", join(dir, "e.html"));
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out)).toMatchObject({
      kind: "error",
      exitCode: 2,
      message: expect.stringMatching(/staging/) as unknown,
    });
  });

  it("rejects an unknown fault with the other bad options, in one error, exit 2", async () => {
    const r = await cli("--fault", "meteor", "--seed", "x", "--out", join(dir, "f.html"));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--fault: one of none, error-spike, latency, crash-loop, latent/);
    expect(r.err).toMatch(/--seed: expected a number/);
  });

  it("an --out it cannot write: exit 2 naming --out, no stack trace", async () => {
    const file = join(dir, "a-file");
    writeFileSync(file, "");
    const r = await cli("--fault", "none", "--out", join(file, "report.html"), "--json");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--out: cannot write .*a-file/);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(JSON.parse(r.out)).toMatchObject({ kind: "error", exitCode: 2 });
  });

  it("names the profile's bad fields and exits 2", async () => {
    const profile = join(dir, "profile.yaml");
    writeFileSync(profile, "requestsPerMinute: -5\ncohorts:\n  free:\n    wieght: 2\n");
    const r = await cli("--profile", profile, "--out", join(dir, "p.html"));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/requestsPerMinute: .*too small|requestsPerMinute: .*>0/i);
    expect(r.err).toMatch(/cohorts\.free: .*wieght/);
  });

  it("exits 2 for an environment with no stacks", async () => {
    const r = await cli("--environment", "staging", "--out", join(dir, "s.html"));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/environment "staging": no stack/);
  });

  it("is wired into the cohort-rollout CLI (what `npm run rehearse` runs)", async () => {
    const { main } = await import("../../stacks/rollout/cli/main.js");
    let out = "";
    let err = "";
    const code = await main(
      ["rehearse", "--fault", "none", "--seed", "9", "--out", join(dir, "cli.html")],
      {
        io: { stdout: (t) => (out += t), stderr: (t) => (err += t), isTTY: false, env: {} },
      },
    );
    expect(err).toBe("");
    expect(code).toBe(0);
    expect(out).toMatch(/verdict\s+OK \(delivered\)/);
    expect(existsSync(join(dir, "cli.html"))).toBe(true);
  });
});
