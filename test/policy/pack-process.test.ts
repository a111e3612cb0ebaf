import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { policies } from "../../policies/shared-nothing/policies.js";
import {
  analyzeRequest,
  analyzeStackRequest,
  configureRequest,
  readDiagnostics,
} from "./support/analyzer-requests.js";
import { loadLegal, loadViolations } from "./support/corpus.js";
import { startPack, type PackProcess } from "./support/pack-process.js";
import { recordProgram, type RecordedResource } from "./support/recorder.js";

/**
 * The pack as the Pulumi CLI runs it: started by @pulumi/pulumi's run-policy-pack from its
 * directory (PulumiPolicy.yaml, package.json "main" -> run.cjs -> tsx -> index.ts), spoken to
 * over gRPC with the engine's own request messages. What this cannot show without the CLI is the
 * CLI's side (plugin discovery, printing); everything from the process boundary inward is real.
 */
let pack: PackProcess;

async function program(
  kind: "violation" | "legal",
  file: string,
  preview = false,
): Promise<RecordedResource[]> {
  const all =
    kind === "violation"
      ? (await loadViolations()).map((v) => ({ file: v.file, program: v.case.program }))
      : (await loadLegal()).map((l) => ({ file: l.file, program: l.case.program }));
  const found = all.find((p) => p.file === file);
  if (found === undefined) throw new Error(`no corpus program ${file}`);
  return recordProgram(found.program, { stack: "dev", preview });
}

async function analyzeAll(records: readonly RecordedResource[], preview: boolean) {
  const responses = [];
  for (const r of records) responses.push(await pack.analyze(analyzeRequest(r)));
  responses.push(await pack.analyzeStack(analyzeStackRequest(records, preview)));
  return readDiagnostics(responses);
}

describe("the pack, started the way `pulumi preview --policy-pack` starts it", () => {
  beforeAll(async () => {
    pack = await startPack();
  }, 90_000);
  afterAll(() => pack?.stop());

  it("announces every rule, mandatory, with its config schema", async () => {
    const info = await pack.info();
    expect(info.getName()).toBe("shared-nothing");
    expect(info.getVersion()).toBe("0.1.0");
    const announced = info.getPoliciesList();
    expect(announced.map((p) => p.getName())).toEqual(policies.map((p) => p.name));
    for (const p of announced) {
      expect(p.getEnforcementlevel(), p.getName()).toBe(1); // MANDATORY
      const schema = p.getConfigschema()?.getProperties().toJavaScript() ?? {};
      expect(Object.keys(schema), p.getName()).toEqual(
        expect.arrayContaining(["cohortTagKey", "cohorts", "exemptions"]),
      );
    }
  });

  it("reports a stack violation at preview, and a resource violation with its URN", async () => {
    const stack = await analyzeAll(
      await program("violation", "aws-role-policy-reaches-two-cohorts.ts", true),
      true,
    );
    expect(stack.cantRun).toEqual([]);
    expect(stack.violations.map((v) => [v.policy, v.resource, v.level])).toEqual([
      ["iam-grant-single-cohort", "free-reads-pro", "mandatory"],
    ]);
    const resource = await analyzeAll(
      await program("violation", "k8s-deployment-mounts-host-path.ts"),
      false,
    );
    expect(resource.violations.map((v) => [v.policy, v.resource])).toEqual([
      ["k8s-no-host-path", "free-log-shipper"],
    ]);
  });

  it("passes a legal program without a diagnostic", async () => {
    const legal = await analyzeAll(
      await program("legal", "aws-cohort-names-sharing-a-prefix.ts", true),
      true,
    );
    expect(legal).toEqual({ violations: [], cantRun: [] });
  });

  it("honours the pack config the CLI sends: levels, exemptions with reasons, bad config", async () => {
    const records = await program("violation", "aws-table-without-marker.ts");
    await pack.configure(
      configureRequest({
        "storage-cohort-marker": {
          enforcementLevel: "advisory",
          properties: {
            exemptions: [
              { resource: "orphan-table", reason: "legacy table, migrated in INC-4211" },
            ],
          },
        },
      }),
    );
    expect((await analyzeAll(records, false)).violations).toEqual([]);

    await pack.configure(
      configureRequest({ "storage-cohort-marker": { enforcementLevel: "advisory" } }),
    );
    const advisory = await analyzeAll(records, false);
    expect(advisory.violations.map((v) => [v.policy, v.resource, v.level])).toEqual([
      ["storage-cohort-marker", "orphan-table", "advisory"],
    ]);

    await pack.configure(
      configureRequest({
        "storage-cohort-marker": {
          enforcementLevel: "mandatory",
          properties: { exemptions: [{ resource: "orphan-table" }] },
        },
      }),
    );
    const bad = await analyzeAll(records, false);
    expect(bad.violations).toHaveLength(1);
    expect(bad.violations[0]?.message).toContain("exemptions.0.reason");

    await pack.configure(configureRequest({}));
  });
});
