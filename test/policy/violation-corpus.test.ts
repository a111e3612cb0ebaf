import { describe, expect, it } from "vitest";
import { policies } from "../../policies/shared-nothing/policies.js";
import { corpusFiles, loadViolations } from "./support/corpus.js";
import { recordProgram } from "./support/recorder.js";
import { runPack } from "./support/run-pack.js";

const cases = await loadViolations();

describe("violation corpus: each program is caught by its rule, naming its resource", () => {
  it("has at least 25 programs across AWS, Kubernetes and Cloudflare", () => {
    expect(cases.map((c) => c.file)).toEqual(corpusFiles("violations"));
    expect(cases.length).toBeGreaterThanOrEqual(25);
    const platforms = new Set(cases.map((c) => c.case.platform));
    expect([...platforms].sort()).toEqual(["aws", "cloudflare", "kubernetes"]);
  });

  it("exercises every rule of the pack", () => {
    const expectedRules = new Set(cases.map((c) => c.case.expected.rule));
    expect([...expectedRules].sort()).toEqual(policies.map((p) => p.name).sort());
  });

  for (const { file, case: v } of cases) {
    const { rule, resource } = v.expected;
    it(`${file}: ${rule} names "${resource}" and nothing else fires`, async () => {
      const records = await recordProgram(v.program, { stack: v.stack ?? "dev" });
      const run = await runPack(records, { ...(v.config ? { config: v.config } : {}) });
      const hits = run.violations.filter((x) => x.policy === rule && x.resource === resource);
      expect(hits, JSON.stringify(run.violations, null, 2)).not.toHaveLength(0);
      // Every message names the resource, the cohorts involved and the fix.
      for (const h of hits) {
        expect(h.message).toContain(`"${resource}"`);
        expect(h.message).toContain("Cohorts involved:");
        expect(h.message).toContain("Fix:");
        expect(h.level).toBe("mandatory");
      }
      const others = run.violations.filter((x) => x.policy !== rule || x.resource !== resource);
      expect(others.map((o) => `${o.policy} ${o.resource ?? ""}: ${o.message}`)).toEqual([]);
    });

    if (v.previewBlind === undefined) {
      it(`${file}: also caught at preview, when ARNs are unknown`, async () => {
        const records = await recordProgram(v.program, { stack: v.stack ?? "dev", preview: true });
        const run = await runPack(records, {
          preview: true,
          ...(v.config ? { config: v.config } : {}),
        });
        expect(run.cantRun).toEqual([]);
        const hits = run.violations.filter((x) => x.policy === rule && x.resource === resource);
        expect(hits, JSON.stringify(run.violations, null, 2)).not.toHaveLength(0);
      });
    }
  }
});
