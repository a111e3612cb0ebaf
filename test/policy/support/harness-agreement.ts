import { expect, it } from "vitest";
import type { LegalCase, ViolationCase } from "../corpus/shapes.js";
import { recordProgram } from "./recorder.js";
import { runPack, type Violation } from "./run-pack.js";
import { runPackThroughServer } from "./run-pack-server.js";

/**
 * The in-process harness (run-pack.ts) and @pulumi/policy's own analyzer handlers must say the
 * same about each corpus program, after create and at preview. One test per program, so the
 * cost of one test is one program's, never the whole corpus's (which outgrew any fixed timeout
 * on a busy machine).
 */
function key(v: Violation): string {
  return `${v.policy} | ${v.level} | ${v.urn ?? "(stack)"} | ${v.message}`;
}

export function declareAgreement(
  cases: readonly { file: string; case: ViolationCase | LegalCase }[],
  kind: "violation" | "legal",
): void {
  for (const { file, case: c } of cases) {
    it(`${file}: both paths report the same, after create and at preview`, async () => {
      for (const preview of [false, true]) {
        const records = await recordProgram(c.program, { stack: "dev", preview });
        const direct = await runPack(records, { preview });
        const server = await runPackThroughServer(records, { preview });
        expect(server.cantRun, file).toEqual([]);
        expect(server.violations.map(key).sort(), `${file} preview=${preview}`).toEqual(
          direct.violations.map(key).sort(),
        );
        // A violation program is caught after create (both paths agreeing on nothing proves
        // nothing), unless it needs the rule config the analyzer handlers cannot be given here
        // (see run-pack-server.ts); some are caught only after create (previewBlind).
        const needsConfig = "config" in c && c.config !== undefined;
        if (kind === "violation" && !preview && !needsConfig)
          expect(server.violations, file).not.toHaveLength(0);
      }
    });
  }
}
