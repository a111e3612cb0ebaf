import { describe, expect, it } from "vitest";
import {
  UNKNOWN_SENTINELS,
  isUnknown,
  rawProps,
} from "../../policies/shared-nothing/lib/unknowns.js";
import { loadLegal, loadViolations } from "./support/corpus.js";
import { policyProxy } from "./support/internals.js";
import { recordProgram, type RecordedResource } from "./support/recorder.js";
import { runPack, type Violation } from "./support/run-pack.js";
import { runPackThroughServer } from "./support/run-pack-server.js";

/**
 * The harness is only worth what its fidelity is: these tests pin it to @pulumi/policy 1.21's
 * real runtime (its sentinels, its proxy, its own analyzer handlers) and to the SDK's real
 * dependency recording, so a green corpus means the pack would say the same under the CLI.
 */
function key(v: Violation): string {
  return `${v.policy} | ${v.level} | ${v.urn ?? "(stack)"} | ${v.message}`;
}

function find(records: readonly RecordedResource[], name: string): RecordedResource {
  const r = records.find((x) => x.name === name);
  if (r === undefined) throw new Error(`no recorded resource ${name}`);
  return r;
}

describe("harness fidelity", () => {
  it("the pack's unknown sentinels are exactly @pulumi/policy's", () => {
    const runtime = [
      policyProxy.unknownBooleanValue,
      policyProxy.unknownNumberValue,
      policyProxy.unknownStringValue,
      policyProxy.unknownArrayValue,
      policyProxy.unknownAssetValue,
      policyProxy.unknownArchiveValue,
      policyProxy.unknownObjectValue,
    ];
    expect([...UNKNOWN_SENTINELS].sort()).toEqual([...runtime].sort());
  });

  it("rules read through the runtime's unknown-checking proxy without tripping it", () => {
    const props = policyProxy.unknownCheckingProxy({
      policy: policyProxy.unknownStringValue,
      tags: { cohort: "free" },
    });
    expect(() => props["policy"]).toThrow(policyProxy.UnknownValueError);
    const raw = rawProps(props);
    expect(isUnknown(raw["policy"])).toBe(true);
    expect(raw["tags"]).toEqual({ cohort: "free" });
  });

  it("preview recordings carry unknown inputs and the SDK's own propertyDependencies", async () => {
    const [program] = (await loadViolations()).filter(
      (v) => v.file === "aws-role-policy-reaches-two-cohorts.ts",
    );
    expect(program).toBeDefined();
    const records = await recordProgram(program?.case.program ?? (() => undefined), {
      preview: true,
    });
    const grant = find(records, "free-reads-pro");
    const proTable = find(records, "pro-table");
    const freeRole = find(records, "free-task-role");
    // The ARN the policy is built from is not known at preview...
    expect(isUnknown(grant.inputs["policy"])).toBe(true);
    // ...but the SDK recorded which resources each input came from.
    expect(grant.propertyDependencies["policy"]).toEqual([proTable.urn]);
    expect(grant.propertyDependencies["role"]).toEqual([freeRole.urn]);
    expect(grant.dependencies).toEqual(expect.arrayContaining([proTable.urn, freeRole.urn]));
    expect(grant.parent).toBeUndefined();
  });

  it("the in-process harness and @pulumi/policy's own analyzer handlers agree on every corpus program", async () => {
    const programs = [
      ...(await loadViolations()).map((v) => ({ file: v.file, program: v.case.program })),
      ...(await loadLegal()).map((l) => ({ file: l.file, program: l.case.program })),
    ];
    let compared = 0;
    for (const { file, program } of programs) {
      for (const preview of [false, true]) {
        const records = await recordProgram(program, { stack: "dev", preview });
        const direct = await runPack(records, { preview });
        const server = await runPackThroughServer(records, { preview });
        expect(server.cantRun, file).toEqual([]);
        expect(server.violations.map(key).sort(), `${file} preview=${preview}`).toEqual(
          direct.violations.map(key).sort(),
        );
        compared += server.violations.length;
      }
    }
    // Both paths found the corpus's violations, not nothing.
    expect(compared).toBeGreaterThanOrEqual(2 * 40);
  }, 300_000);
});
