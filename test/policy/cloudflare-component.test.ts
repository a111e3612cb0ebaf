/**
 * The pack over the Cloudflare module's own output: the example and random environments pass
 * every rule; hand-broken copies of that output are caught by cloudflare-edge-stays-in-cohort.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildEnvironment,
  edgeEnvironments,
  EXAMPLE,
  type EdgeEnvironment,
} from "../cloudflare/support/environments.js";
import { recordProgram, type RecordedResource } from "./support/recorder.js";
import { runPack } from "./support/run-pack.js";

const RULE = "cloudflare-edge-stays-in-cohort";

async function violationsOf(records: RecordedResource[]) {
  return (await runPack(records)).violations.map(
    (v) => `${v.policy} ${v.resource ?? ""}: ${v.message}`,
  );
}

function record(env: EdgeEnvironment) {
  return recordProgram(() => buildEnvironment(env), { stack: env.name });
}

/** A copy of the records with one resource's inputs and state changed. */
function broken(
  records: RecordedResource[],
  name: string,
  change: (props: Record<string, unknown>) => void,
) {
  const copy = structuredClone(records);
  const target = copy.find((r) => r.name === name);
  if (target === undefined) throw new Error(`no ${name}`);
  change(target.inputs);
  change(target.state);
  return copy;
}

describe("shared-nothing pack over the Cloudflare module's output", () => {
  it("the example environment passes every rule", async () => {
    expect(await violationsOf(await record(EXAMPLE))).toEqual([]);
  });

  it("random environments pass every rule", async () => {
    await fc.assert(
      fc.asyncProperty(
        // The pack knows cohorts by name: identities other than the name are the component's
        // own mapping (checked in test/cloudflare), and a cohort named like the shared
        // hostname's first label would make every rule look like that cohort's.
        edgeEnvironments.filter((e) => e.input.cohorts === undefined && !e.cohorts.includes("svc")),
        async (env) => {
          expect(await violationsOf(await record(env))).toEqual([]);
        },
      ),
      { numRuns: 10 },
    );
  }, 120_000);

  it("hand-broken copies are caught: a route entry to another cohort, an unproxied record", async () => {
    const records = await record(EXAMPLE);
    const entry = broken(records, "prod-free-cf-route-entry", (p) => {
      p["value"] = JSON.stringify({ cohort: "free", origin: "https://pro.api.example.com" });
    });
    const entryRun = await runPack(entry);
    expect(entryRun.violations.filter((v) => v.policy === RULE).map((v) => v.resource)).toEqual([
      "prod-free-cf-route-entry",
    ]);
    const record2 = broken(records, "prod-pro-cf-hostname", (p) => {
      p["proxied"] = false;
    });
    const recordRun = await runPack(record2);
    expect(recordRun.violations.filter((v) => v.policy === RULE).map((v) => v.resource)).toEqual([
      "prod-pro-cf-hostname",
    ]);
  });

  it("hand-broken copies are caught: a second cache Ruleset for the zone", async () => {
    const records = await record(EXAMPLE);
    const ruleset = records.find((r) => r.name === "prod-edge-cf-cache-rules");
    expect(ruleset).toBeDefined();
    const copy = structuredClone(records);
    if (ruleset !== undefined) {
      copy.push({
        ...structuredClone(ruleset),
        name: "zz-dashboard-rules",
        urn: ruleset.urn.replace(/::[^:]*$/, "::zz-dashboard-rules"),
      });
    }
    const run = await runPack(copy);
    expect(run.violations.filter((v) => v.policy === RULE).map((v) => v.resource)).toEqual([
      "zz-dashboard-rules",
    ]);
  });
});
