import { readFileSync } from "node:fs";
import * as aws from "@pulumi/aws";
import { describe, expect, it } from "vitest";
import { parseRuleConfig, ruleConfigZod } from "../../policies/shared-nothing/lib/config.js";
import { policies } from "../../policies/shared-nothing/policies.js";
import { awsTwoCohorts } from "./corpus/baseline/aws.js";
import { recordProgram } from "./support/recorder.js";
import { runPack, type PackConfig } from "./support/run-pack.js";

/**
 * The pack's configuration surface: per rule, the cohort tag key, the known cohorts, extra
 * storage types, exemptions (each with a reason) and the enforcement level.
 */
async function violationsOf(program: () => void, config: PackConfig = {}) {
  const run = await runPack(await recordProgram(program, { stack: "dev" }), { config });
  return run.violations.map((v) => ({
    policy: v.policy,
    resource: v.resource,
    level: v.level,
    message: v.message,
  }));
}

const orphanTable = () => {
  awsTwoCohorts();
  new aws.dynamodb.Table("orphan-table", {
    name: "svc-dev-orphan",
    billingMode: "PAY_PER_REQUEST",
    hashKey: "pk",
    attributes: [{ name: "pk", type: "S" }],
  });
};

describe("pack configuration", () => {
  it("every rule's JSON schema (what the CLI validates) offers exactly the keys the rule accepts", () => {
    const accepted = Object.keys(ruleConfigZod.shape).sort();
    for (const p of policies) {
      const keys = Object.keys(p.configSchema?.properties ?? {});
      // extraStorageTypes only means something to the storage rule; the rest is shared.
      expect(
        [...keys, "extraStorageTypes"].filter((k, i, a) => a.indexOf(k) === i).sort(),
        p.name,
      ).toEqual(accepted);
      const exemption = p.configSchema?.properties?.["exemptions"] as {
        items?: { required?: string[] };
      };
      expect(exemption.items?.required, p.name).toEqual(["resource", "reason"]);
    }
  });

  it("an exemption by logical name or URN, with a reason, silences exactly that resource", async () => {
    expect((await violationsOf(orphanTable)).map((v) => v.resource)).toEqual(["orphan-table"]);
    const reason = "owned by the billing team, tracked in PLAT-812";
    expect(
      await violationsOf(orphanTable, {
        "storage-cohort-marker": { exemptions: [{ resource: "orphan-table", reason }] },
      }),
    ).toEqual([]);
    expect(
      await violationsOf(orphanTable, {
        "storage-cohort-marker": {
          exemptions: [
            { resource: "urn:pulumi:dev::project::aws:dynamodb/table:Table::orphan-table", reason },
          ],
        },
      }),
    ).toEqual([]);
    // An exemption of another resource changes nothing.
    expect(
      (
        await violationsOf(orphanTable, {
          "storage-cohort-marker": { exemptions: [{ resource: "free-table", reason }] },
        })
      ).map((v) => v.resource),
    ).toEqual(["orphan-table"]);
  });

  it("an exemption without a real reason is refused with one message naming every problem", async () => {
    const [only, ...rest] = await violationsOf(orphanTable, {
      "storage-cohort-marker": {
        exemptions: [{ resource: "orphan-table", reason: "tmp" }, { resource: "x" }],
        cohortTagKey: "",
      },
    });
    expect(rest).toEqual([]);
    expect(only?.policy).toBe("storage-cohort-marker");
    expect(only?.level).toBe("mandatory");
    for (const path of ["exemptions.0.reason", "exemptions.1.reason", "cohortTagKey"]) {
      expect(only?.message).toContain(path);
    }
  });

  it("enforcement levels: advisory keeps the finding as advisory, disabled drops the rule", async () => {
    const advisory = await violationsOf(orphanTable, {
      "storage-cohort-marker": { enforcementLevel: "advisory" },
    });
    expect(advisory.map((v) => [v.resource, v.level])).toEqual([["orphan-table", "advisory"]]);
    expect(
      await violationsOf(orphanTable, {
        "storage-cohort-marker": { enforcementLevel: "disabled" },
      }),
    ).toEqual([]);
  });

  it("a team's own tag key replaces `cohort`", async () => {
    const tenantTagged = () => {
      new aws.dynamodb.Table("tenant-table", {
        billingMode: "PAY_PER_REQUEST",
        hashKey: "pk",
        attributes: [{ name: "pk", type: "S" }],
        tags: { tenant: "free" },
      });
    };
    expect((await violationsOf(tenantTagged)).map((v) => v.resource)).toEqual(["tenant-table"]);
    expect(
      await violationsOf(tenantTagged, { "storage-cohort-marker": { cohortTagKey: "tenant" } }),
    ).toEqual([]);
  });

  it("extra storage types and the list of known cohorts", async () => {
    const queue = () => {
      new aws.sqs.Queue("jobs", { tags: {} });
      new aws.s3.Bucket("staging-bucket", { tags: { cohort: "staging" } });
    };
    expect((await violationsOf(queue)).map((v) => v.resource)).toEqual([]);
    const configured = await violationsOf(queue, {
      "storage-cohort-marker": {
        extraStorageTypes: ["aws:sqs/queue:Queue"],
        cohorts: ["free", "pro"],
      },
    });
    expect(configured.map((v) => v.resource).sort()).toEqual(["jobs", "staging-bucket"]);
    expect(configured.find((v) => v.resource === "staging-bucket")?.message).toContain(
      'unknown cohort "staging"',
    );
  });

  it("the documented example config (policies/shared-nothing/config.example.json) is valid", () => {
    const file = new URL("../../policies/shared-nothing/config.example.json", import.meta.url);
    const config = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    const names = policies.map((p) => p.name);
    for (const [key, value] of Object.entries(config)) {
      if (key === "all") {
        expect(["advisory", "mandatory", "disabled"]).toContain(value);
        continue;
      }
      expect(names).toContain(key);
      const { enforcementLevel: _level, ...properties } = value as Record<string, unknown>;
      expect(parseRuleConfig(properties), key).toMatchObject({ ok: true });
    }
  });
});
