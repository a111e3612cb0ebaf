import { describe, expect, it } from "vitest";
import { corpusFiles, loadLegal } from "./support/corpus.js";
import { recordProgram } from "./support/recorder.js";
import { runPack } from "./support/run-pack.js";

const cases = await loadLegal();

describe("tricky-but-legal corpus produces no violations", () => {
  it("has a legal case per file", () => {
    expect(cases.map((c) => c.file)).toEqual(corpusFiles("legal"));
    expect(cases.length).toBeGreaterThanOrEqual(6);
  });

  for (const { file, case: legal } of cases) {
    it(`${file} (${legal.platform}): ${legal.why}`, async () => {
      const records = await recordProgram(legal.program, { stack: "dev" });
      expect(records.length).toBeGreaterThan(0);
      const run = await runPack(records);
      expect(run.violations.map((v) => `${v.policy}: ${v.message}`)).toEqual([]);
      expect(run.cantRun).toEqual([]);
    });

    it(`${file} at preview (unknown ARNs) also produces none`, async () => {
      const records = await recordProgram(legal.program, { stack: "dev", preview: true });
      const run = await runPack(records, { preview: true });
      expect(run.violations.map((v) => `${v.policy}: ${v.message}`)).toEqual([]);
      expect(run.cantRun).toEqual([]);
    });
  }
});
