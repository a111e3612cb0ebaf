/**
 * `cohort-rollout rehearse --train` through commander, as the CLI wires it: the train flags'
 * validation (one error naming every bad flag, exit 2) and a smoke check of what a person
 * reads: the terminal summary and the HTML report.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { rehearseCli } from "./support/rehearse-cli.js";

const dir = mkdtempSync(join(tmpdir(), "rehearse-train-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = rehearseCli;

describe("cohort-rollout rehearse --train", () => {
  it("names every bad train flag in one error and exits 2 without writing a report", async () => {
    const out = join(dir, "bad.html");
    const r = await cli(
      "--bad",
      "2",
      "--observation",
      "x",
      "--train-order",
      "sideways",
      "--out",
      out,
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--observation: expected a number/);
    expect(r.err).toMatch(/--train-order: queue .* or supersede/);
    expect(r.err).toMatch(/--bad: only used with --train/);
    expect(r.err).toMatch(/--train-order: only used with --train/);
    expect(existsSync(out)).toBe(false);

    const t = await cli("--train", "1", "--out", out);
    expect(t.err).toMatch(/--train: must be at least 2/);
    const k = await cli("--train", "3", "--bad", "5", "--out", out);
    expect(k.code).toBe(2);
    expect(k.err).toMatch(/--bad: release 5 of a train of 3; hint: 1 to 3/);
    const n = await cli("--train", "3", "--bad", "2", "--fault", "none", "--out", out);
    expect(n.err).toMatch(/--bad: --fault none rehearses a train of good releases/);
    expect(existsSync(out)).toBe(false);
  });

  it("prints each release's path, where the bad one was caught and who was held, and writes the HTML report", async () => {
    const out = join(dir, "train.html");
    const r = await cli("--train", "3", "--bad", "2", "--seed", "3", "--out", out);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^train {5}3 releases \(r1, r2, r3\) submitted at \+0:00, order queue; r2 carries the fault$/m,
    );
    expect(r.out).toMatch(/^gates {5}.*bakes start when the new version serves/m);
    expect(r.out).toMatch(/^ {2}r1 {2}1\.1\.0 {2}completed \+/m);
    expect(r.out).toMatch(/^ {2}r2 \(bad\) {2}1\.2\.0 {2}failed \+/m);
    expect(r.out).toMatch(
      /^ {6}w1 free {8}entered \+\S+ {2}updated \+\S+ {2}FAILED \+\S+ {2}reverted \+/m,
    );
    expect(r.out).toMatch(/^ {6}w2 pro {9}never entered$/m);
    expect(r.out).toMatch(
      /^caught {4}r2 at wave 1 \(free\) at \+\S+; never entered pro, enterprise$/m,
    );
    expect(r.out).toMatch(/^held {6}r3 behind r2 since \+\S+, until a human decides$/m);
    expect(r.out).toMatch(/^exposure {2}[\d,]+ bad-release requests = [\d.]+% of all traffic/m);
    expect(r.out).toMatch(/^train {5}\S+ makespan · 1 completed · [\d.]+ deploys\/week$/m);
    expect(r.out).toMatch(/^1-by-1 {4}\S+ makespan · 1 completed/m);
    expect(r.out).toMatch(/^verdict {3}OK \(contained\): r2 was caught at wave 1 \(free\)/m);
    const html = readFileSync(out, "utf8");
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toMatch(/<tr id="release-r2" class="bad-release"><td><b>r2<\/b> \(bad\)/);
    expect(html).toMatch(/id="caught"><b>r2<\/b> was caught at <b>wave 1 \(free\)<\/b>/);
    expect(html).toMatch(/<li><b>r3<\/b> held behind r2 since \+/);
    expect(html).toMatch(/<svg id="timeline-train"/);
    expect(html).not.toMatch(/<script|<link|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });
});
