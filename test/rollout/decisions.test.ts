/**
 * The decision table, exhaustively on a virtual clock: every gate outcome
 * (pass, fail, hold) at every wave of a three-wave plan under every
 * INSUFFICIENT_DATA policy; the gate verdicts themselves; revert order; and
 * state keyed by (release, cohort) so a release train needs no redesign.
 */
import { describe, expect, it } from "vitest";
import type { PlannedWave, RolloutEvent } from "../../stacks/rollout/core/events.js";
import { bakeVerdict, precheckVerdict } from "../../stacks/rollout/core/gate-policy.js";
import { decide, revertOrder } from "../../stacks/rollout/core/machine.js";
import { type FoldRecord, fold } from "../../stacks/rollout/core/state.js";
import { Runner } from "../../stacks/rollout/executor/runner.js";
import { FakeClock } from "../kit/clock.js";
import { FakeDriver } from "../kit/driver.js";
import { ScriptedGate } from "../kit/gate.js";
import { MemoryLedger } from "../kit/ledger.js";
import { THREE_COHORTS, wavesOf } from "../kit/plan.js";
import { OLD_PIN, harness } from "./support/harness.js";

const COHORTS = THREE_COHORTS.map((c) => c.name);
const STACKS = COHORTS.map((c) => `prod.${c}`);
type Policy = "hold" | "fail" | "ignore";

/** What a cohort's gate shows once it has the release. */
type Gate = "OK" | "ALARM" | "INSUFFICIENT_DATA" | "INSUFFICIENT_DATA then OK";

/** The outcome the table expects for a gate at one wave under one policy. */
function expected(gate: Gate, policy: Policy): "completed" | "failed" {
  if (gate === "OK" || gate === "INSUFFICIENT_DATA then OK") {
    // Data arriving at 1/3 of the bake: hold waits for it; fail has already failed.
    return gate === "OK" || policy !== "fail" ? "completed" : "failed";
  }
  if (gate === "ALARM") return "failed";
  return policy === "ignore" ? "completed" : "failed";
}

const GATES: Gate[] = ["OK", "ALARM", "INSUFFICIENT_DATA", "INSUFFICIENT_DATA then OK"];
const POLICIES: Policy[] = ["hold", "fail", "ignore"];
const CASES = [0, 1, 2].flatMap((wave) =>
  GATES.flatMap((gate) => POLICIES.map((policy) => ({ wave, gate, policy }))),
);

describe("every gate outcome at every wave, under every INSUFFICIENT_DATA policy", () => {
  it.each(CASES)("wave $wave shows $gate with policy $policy", async ({ wave, gate, policy }) => {
    const h = await harness({ policy: { insufficientData: policy } });
    const bad = COHORTS[wave] ?? "";
    const bakeMs = THREE_COHORTS[wave]?.bakeMs ?? 0;
    h.gate.script = (name, now) => {
      const applied = h
        .eventsOf("applied")
        .find((r) => (r.event as { cohort: string }).cohort === bad);
      if (!name.startsWith(`${bad}-`) || !applied) return "OK";
      if (gate === "INSUFFICIENT_DATA then OK")
        return now < applied.at + bakeMs / 3 ? "INSUFFICIENT_DATA" : "OK";
      return gate;
    };
    const result = await h.run();
    const outcome = expected(gate, policy);
    expect(result.outcome).toBe(outcome);
    const passed = h.ledger
      .events()
      .filter((e) => e.type === "passed")
      .map((e) => (e as { cohort: string }).cohort);
    if (outcome === "completed") {
      expect(passed).toEqual(COHORTS);
      for (const s of STACKS) expect(h.driver.pinOf(s)?.release).toBe("r1");
      return;
    }
    // Failed at this wave: it never reaches a higher one; everything it reached is reverted,
    // most critical first; every cohort is back on its old pin.
    expect(passed).toEqual(COHORTS.slice(0, wave));
    expect(h.driver.applies()).toEqual(STACKS.slice(0, wave + 1));
    expect(h.driver.reverts()).toEqual(STACKS.slice(0, wave + 1).reverse());
    for (const s of STACKS) expect(h.driver.pinOf(s)).toEqual(OLD_PIN);
    const failed = h.eventsOf("failed")[0];
    const applied = h
      .eventsOf("applied")
      .find((r) => (r.event as { cohort: string }).cohort === bad);
    expect((failed?.event as { cohort: string }).cohort).toBe(bad);
    const detectAfter = (failed?.at ?? 0) - (applied?.at ?? 0);
    if (gate === "INSUFFICIENT_DATA" && policy === "hold") {
      // hold: waits the whole bake, then fails.
      expect(detectAfter).toBeGreaterThanOrEqual(bakeMs);
      expect((failed?.event as { reason: string }).reason).toContain("at the end of the bake");
    } else {
      // ALARM, or INSUFFICIENT_DATA with policy fail: the first poll after the update decides.
      expect(detectAfter).toBeLessThanOrEqual(30_000);
    }
    expect(h.types().at(-1)).toBe("release-failed");
  });
});

describe("gate verdicts", () => {
  const ok = (name: string) => ({ name, exists: true, state: "OK" as const });
  const declared = ["a", "b"];

  it("ALARM fails, naming the alarm and its reason", () => {
    const v = bakeVerdict(
      {
        readings: [ok("a"), { name: "b", exists: true, state: "ALARM", reason: "5xx > 2%" }],
        declared,
      },
      "ignore",
      false,
    );
    expect(v).toEqual({ kind: "fail", reason: "alarm b (5xx > 2%) in ALARM" });
  });

  it("INSUFFICIENT_DATA: hold until the bake ends then fail; fail at once; ignore passes", () => {
    const input = {
      readings: [ok("a"), { name: "b", exists: true, state: "INSUFFICIENT_DATA" as const }],
      declared,
    };
    expect(bakeVerdict(input, "hold", false).kind).toBe("hold");
    expect(bakeVerdict(input, "hold", true).kind).toBe("fail");
    expect(bakeVerdict(input, "fail", false).kind).toBe("fail");
    expect(bakeVerdict(input, "ignore", true).kind).toBe("pass");
  });

  it("fails closed: a read error, a declared alarm that does not exist, or one not returned at all", () => {
    expect(bakeVerdict({ readings: [], declared, error: "Throttling" }, "ignore", false).kind).toBe(
      "fail",
    );
    expect(
      bakeVerdict({ readings: [ok("a"), { name: "b", exists: false }], declared }, "ignore", false),
    ).toEqual({
      kind: "fail",
      reason: "declared alarm b does not exist; failing closed",
    });
    expect(bakeVerdict({ readings: [ok("a")], declared }, "ignore", false).kind).toBe("fail");
  });

  it("before deploy: ALARM refuses, INSUFFICIENT_DATA (an idle cohort) does not", () => {
    expect(
      precheckVerdict({
        readings: [ok("a"), { name: "b", exists: true, state: "ALARM" }],
        declared,
      }).kind,
    ).toBe("fail");
    expect(
      precheckVerdict({
        readings: [ok("a"), { name: "b", exists: true, state: "INSUFFICIENT_DATA" }],
        declared,
      }).kind,
    ).toBe("pass");
  });
});

function planned(release: string, waves: PlannedWave[]): RolloutEvent {
  return {
    type: "planned",
    release,
    releaseSpec: { id: release, version: release, config: {} },
    environment: "prod",
    waves,
    policy: { insufficientData: "hold", pollIntervalMs: 30_000, allowDataLoss: false },
  };
}

function records(events: RolloutEvent[]): FoldRecord[] {
  return events.map((event, i) => ({ seq: i + 1, at: 1_000 * (i + 1), event }));
}

const applying = (release: string, cohort: string): RolloutEvent => ({
  type: "applying",
  release,
  cohort,
  stack: `prod.${cohort}`,
  previous: { version: 1, result: "succeeded", config: {} },
  attempt: 1,
});

describe("revert order", () => {
  it("most critical first, the edge before every cohort, within a wave by name descending", () => {
    const waves = wavesOf(
      [
        { name: "free", criticality: 0, bakeMs: 1 },
        { name: "trial", criticality: 0, bakeMs: 1 },
        { name: "pro", criticality: 1, bakeMs: 1 },
      ],
      true,
    );
    const s = fold(
      records([
        planned("r1", waves),
        applying("r1", "free"),
        applying("r1", "trial"),
        applying("r1", "pro"),
        applying("r1", "edge"),
      ]),
    );
    const r = s.releases.get("r1");
    expect(r && revertOrder(r).map((t) => t.target.cohort)).toEqual([
      "edge",
      "pro",
      "trial",
      "free",
    ]);
  });
});

describe("state keyed by (release, cohort): a release train", () => {
  it("two releases in flight at different cohorts never see each other's events", () => {
    const waves = wavesOf(THREE_COHORTS);
    const events: RolloutEvent[] = [
      planned("r1", waves),
      applying("r1", "free"),
      { type: "applied", release: "r1", cohort: "free", recovered: false },
      { type: "passed", release: "r1", cohort: "free" },
      applying("r1", "pro"),
      { type: "applied", release: "r1", cohort: "pro", recovered: false },
      // r2 starts at free while r1 bakes at pro.
      planned("r2", waves),
      applying("r2", "free"),
      { type: "applied", release: "r2", cohort: "free", recovered: false },
      {
        type: "failed",
        release: "r2",
        cohort: "free",
        cause: "gate",
        reason: "alarm free-errors in ALARM",
      },
    ];
    const s = fold(records(events));
    const r1 = s.releases.get("r1");
    const r2 = s.releases.get("r2");
    expect(r1?.targets.get("free")?.phase).toBe("passed");
    expect(r1?.targets.get("pro")?.phase).toBe("applied");
    expect(r1?.failure).toBeUndefined();
    expect(r2?.targets.get("free")?.phase).toBe("failed");
    expect(r2?.targets.get("pro")?.phase).toBe("pending");
    // The cohort map says which release each stack was last updated with.
    expect(s.cohorts.get("free")?.release).toBe("r2");
    expect(s.cohorts.get("pro")?.release).toBe("r1");
    // r2's failure reverts r2's cohorts only; r1 keeps baking.
    const now = 1_000 * events.length;
    const d2 = r2 && decide(r2, now);
    expect(d2).toMatchObject({
      kind: "record",
      event: { type: "reverting", release: "r2", cohort: "free" },
    });
    const d1 = r1 && decide(r1, now);
    expect(d1?.kind).toBe("observe");
  });

  it("the same replayed records give the same state and the same decision", () => {
    const events = [planned("r1", wavesOf(THREE_COHORTS)), applying("r1", "free")];
    const a = fold(records(events));
    const b = fold(JSON.parse(JSON.stringify(records(events))) as FoldRecord[]);
    expect(b).toEqual(a);
    const ra = a.releases.get("r1");
    const rb = b.releases.get("r1");
    expect(ra && rb && decide(rb, 5_000)).toEqual(ra && decide(ra, 5_000));
  });
});

describe("asymmetric cadence: a cohort's minimum interval between releases", () => {
  const HOUR = 3_600_000;
  const wavesWithCadence = (): PlannedWave[] =>
    wavesOf([
      { name: "free", criticality: 0, bakeMs: 60_000 },
      { name: "enterprise", criticality: 1, bakeMs: 120_000 },
    ]).map((w) => ({
      ...w,
      targets: w.targets.map((t) =>
        t.cohort === "enterprise" ? { ...t, minIntervalMs: HOUR } : t,
      ),
    }));

  it("a release reaching a cohort within its interval of the previous one waits until the interval has passed", () => {
    const r0: RolloutEvent[] = [
      planned("r0", wavesWithCadence()),
      applying("r0", "enterprise"),
      { type: "applied", release: "r0", cohort: "enterprise", recovered: false },
      { type: "completed", release: "r0" },
      planned("r1", wavesWithCadence()),
      applying("r1", "free"),
      { type: "applied", release: "r1", cohort: "free", recovered: false },
      { type: "passed", release: "r1", cohort: "free" },
    ];
    const s = fold(records(r0));
    const appliedAt = 3_000; // the third record
    const r1 = s.releases.get("r1");
    expect(r1 && decide(r1, 10_000)).toMatchObject({
      kind: "wait",
      cohort: "enterprise",
      until: appliedAt + HOUR,
    });
    expect(r1 && decide(r1, appliedAt + HOUR)).toMatchObject({ kind: "precheck" });
    // free has no interval: a release reaches it as soon as it is planned.
    expect(s.releases.get("r1")?.targets.get("free")?.notBefore).toBeUndefined();
  });

  it("the runner sleeps through the wait and then rolls on", async () => {
    const clock = new FakeClock();
    const ledger = new MemoryLedger(clock);
    const driver = new FakeDriver(clock);
    const gate = new ScriptedGate(clock);
    for (const c of ["free", "enterprise"]) driver.addStack(`prod.${c}`, OLD_PIN);
    const runner = new Runner(
      { driver, gate, ledger, clock },
      { gateAttempts: 2, gateBackoffMs: 10 },
    );
    const plan = (id: string) => ({
      ...planned(id, wavesWithCadence()),
      releaseSpec: { id, version: id, config: {} },
    });
    await ledger.append(plan("r0"), 1);
    expect((await runner.run("r0")).outcome).toBe("completed");
    const r0At = ledger.records.find(
      (r) =>
        (r.event as RolloutEvent).type === "applied" &&
        (r.event as { cohort: string }).cohort === "enterprise",
    )!.at;
    await ledger.append(plan("r1"), ledger.records.length + 1);
    expect((await runner.run("r1")).outcome).toBe("completed");
    const second = driver.calls.filter((c) => c.op === "apply" && c.stack === "prod.enterprise")[1];
    expect(second?.at).toBeGreaterThanOrEqual(r0At + HOUR);
    expect(driver.pinOf("prod.enterprise")?.release).toBe("r1");
  });
});

describe("hardening", () => {
  const HOUR = 3_600_000;
  const withEnterpriseCadence = (): PlannedWave[] =>
    wavesOf([
      { name: "free", criticality: 0, bakeMs: 60_000 },
      { name: "enterprise", criticality: 1, bakeMs: 120_000 },
    ]).map((w) => ({
      ...w,
      targets: w.targets.map((t) =>
        t.cohort === "enterprise" ? { ...t, minIntervalMs: HOUR } : t,
      ),
    }));

  it("release train: a release planned before another one reached a cohort still honours that cohort's cadence", () => {
    const events: RolloutEvent[] = [
      planned("r1", withEnterpriseCadence()),
      planned("r2", withEnterpriseCadence()), // r2 is planned while r1 is still at free
      applying("r1", "enterprise"),
      { type: "applied", release: "r1", cohort: "enterprise", recovered: false },
      applying("r2", "free"),
      { type: "applied", release: "r2", cohort: "free", recovered: false },
      { type: "passed", release: "r2", cohort: "free" },
    ];
    const s = fold(records(events));
    const r1AppliedAt = 4_000; // the fourth record
    const r2 = s.releases.get("r2");
    expect(r2 && decide(r2, 10_000)).toMatchObject({
      kind: "wait",
      cohort: "enterprise",
      until: r1AppliedAt + HOUR,
    });
  });

  it("an existing alarm whose state is unknown fails closed, during the bake and before deploy", () => {
    const input = {
      readings: [
        { name: "a", exists: true, state: "OK" as const },
        { name: "b", exists: true },
      ],
      declared: ["a", "b"],
    };
    for (const policy of ["hold", "fail", "ignore"] as const)
      expect(bakeVerdict(input, policy, true).kind).toBe("fail");
    expect(precheckVerdict(input).kind).toBe("fail");
  });
});
