/**
 * The decision logic driven end to end through the runner on a virtual
 * clock: every gate outcome at every wave, INSUFFICIENT_DATA policies,
 * pre-deploy ALARM, update failures, revert failures, pause/abort, data loss,
 * interrupted updates and the edge wave.
 */
import { describe, expect, it } from "vitest";
import type { RolloutEvent } from "../../stacks/rollout/core/events.js";
import { REVERT_ATTEMPTS } from "../../stacks/rollout/core/machine.js";
import { Runner } from "../../stacks/rollout/executor/runner.js";
import type { Release } from "../../stacks/rollout/core/ports.js";
import { OLD_PIN, harness } from "./support/harness.js";
import { DEFAULT_POLICY, THREE_COHORTS } from "../kit/plan.js";

const STACKS = ["prod.free", "prod.pro", "prod.enterprise"];
const COHORTS = ["free", "pro", "enterprise"];

function cohortOf(e: RolloutEvent): string | undefined {
  return "cohort" in e ? e.cohort : undefined;
}

describe("a good release", () => {
  it("goes wave by wave, least critical first, each wave after the previous one baked", async () => {
    const h = await harness();
    const result = await h.run();
    expect(result.outcome).toBe("completed");
    expect(h.driver.applies()).toEqual(STACKS);
    for (const s of STACKS) expect(h.driver.pinOf(s)?.release).toBe("r1");
    const applied = h.eventsOf("applied");
    const passed = h.eventsOf("passed");
    expect(passed.map((r) => cohortOf(r.event as RolloutEvent))).toEqual(COHORTS);
    // Each cohort passes no earlier than its own bake after its update; the next wave starts after.
    THREE_COHORTS.forEach((c, i) => {
      expect((passed[i]?.at ?? 0) - (applied[i]?.at ?? 0)).toBeGreaterThanOrEqual(c.bakeMs);
      if (i > 0)
        expect(
          h.driver.calls.find((x) => x.op === "apply" && x.stack === STACKS[i])!.at,
        ).toBeGreaterThanOrEqual(passed[i - 1].at);
    });
    expect(h.types().at(-1)).toBe("completed");
    expect(h.driver.reverts()).toEqual([]);
  });

  it("applies equal-criticality cohorts as one wave and bakes them together", async () => {
    const h = await harness({
      cohorts: [
        { name: "free", criticality: 0, bakeMs: 60_000 },
        { name: "trial", criticality: 0, bakeMs: 120_000 },
        { name: "pro", criticality: 1, bakeMs: 60_000 },
      ],
    });
    expect((await h.run()).outcome).toBe("completed");
    const order = h.ledger
      .events()
      .filter((e) => e.type === "applying" || e.type === "passed")
      .map((e) => `${e.type}:${cohortOf(e)}`);
    expect(order).toEqual([
      "applying:free",
      "applying:trial",
      "passed:free",
      "passed:trial",
      "applying:pro",
      "passed:pro",
    ]);
  });

  it("reports progress: waves, bake time left and alarm states", async () => {
    const h = await harness();
    await h.run();
    const waves = h.updates.filter((u) => u.kind === "wave");
    expect(waves.map((w) => (w.kind === "wave" ? w.wave : -1))).toEqual([0, 1, 2]);
    const bakes = h.updates.filter((u) => u.kind === "bake" && u.cohort === "enterprise");
    expect(bakes.length).toBeGreaterThan(10);
    const first = bakes[0];
    expect(first?.kind === "bake" && first.msLeft).toBeGreaterThan(1_700_000);
    expect(first?.kind === "bake" && first.alarms.map((a) => a.state)).toEqual(["OK", "OK"]);
  });
});

describe.each([0, 1, 2])("an alarm during the bake of wave %i", (wave) => {
  it("fails the gate, reverts every cohort that got the release (most critical first) and goes no further", async () => {
    const h = await harness();
    const appliedTo = (c: string) =>
      h.eventsOf("applied").some((r) => cohortOf(r.event as RolloutEvent) === c);
    const bad = COHORTS[wave];
    h.gate.script = (name) => (name === `${bad}-errors` && appliedTo(bad) ? "ALARM" : "OK");
    const result = await h.run();
    expect(result.outcome).toBe("failed");
    expect(h.driver.applies()).toEqual(STACKS.slice(0, wave + 1));
    expect(h.driver.reverts()).toEqual(STACKS.slice(0, wave + 1).reverse());
    for (const s of STACKS) expect(h.driver.pinOf(s)).toEqual(OLD_PIN);
    const failed = h.eventsOf("failed")[0]?.event as Extract<RolloutEvent, { type: "failed" }>;
    expect(failed.cohort).toBe(bad);
    expect(failed.reason).toContain(`${bad}-errors`);
    expect(h.types().at(-1)).toBe("release-failed");
    expect(h.types().filter((t) => t === "passed")).toHaveLength(wave);
  });

  it("reverts within one poll interval of the alarm firing", async () => {
    const h = await harness();
    const bad = COHORTS[wave];
    let firedAt: number | undefined;
    h.gate.script = (name, now) => {
      const applied = h.eventsOf("applied").find((r) => cohortOf(r.event as RolloutEvent) === bad);
      if (name === `${bad}-latency` && applied && now >= applied.at + 95_000) {
        firedAt ??= applied.at + 95_000;
        return "ALARM";
      }
      return "OK";
    };
    await h.run();
    // A cohort whose update finished is reverted without a refresh: the revert update starts at once.
    expect(h.driver.calls.filter((c) => c.op === "refresh")).toEqual([]);
    const revertStart = h.driver.calls.find((c) => c.op === "revert")!.at;
    expect(firedAt).toBeDefined();
    expect(revertStart - firedAt!).toBeLessThanOrEqual(30_000);
  });

  it("an update failure reverts the failed cohort too, most critical first", async () => {
    const h = await harness();
    h.driver.failApply.add(STACKS[wave]);
    const result = await h.run();
    expect(result.outcome).toBe("failed");
    const failed = h.eventsOf("failed")[0]?.event as Extract<RolloutEvent, { type: "failed" }>;
    expect(failed.cause).toBe("update");
    expect(h.driver.reverts()).toEqual(STACKS.slice(0, wave + 1).reverse());
    for (const s of STACKS) expect(h.driver.pinOf(s)).toEqual(OLD_PIN);
  });

  it("a cohort already in ALARM before deploy is not deployed to; the release waits for a human", async () => {
    const h = await harness();
    const bad = COHORTS[wave];
    let healthy = false;
    h.gate.script = (name) => (!healthy && name === `${bad}-errors` ? "ALARM" : "OK");
    const result = await h.run();
    expect(result.outcome).toBe("blocked");
    expect(result.reason).toContain("already in ALARM");
    expect(h.driver.applies()).toEqual(STACKS.slice(0, wave));
    expect(h.driver.reverts()).toEqual([]);
    // A human fixes the cohort and resumes: the precheck runs again and the rollout completes.
    healthy = true;
    await h.ledger.append(
      { type: "resumed", release: "r1", by: "test" },
      h.ledger.records.length + 1,
    );
    expect((await h.makeRunner().run("r1")).outcome).toBe("completed");
    expect(h.driver.applies()).toEqual(STACKS);
  });

  it("a failed revert is retried, never holds back the other cohorts' reverts, then stops loudly with the command to recover", async () => {
    const h = await harness();
    const appliedTo = (c: string) =>
      h.eventsOf("applied").some((r) => cohortOf(r.event as RolloutEvent) === c);
    const bad = COHORTS[wave];
    h.gate.script = (name) => (name === `${bad}-errors` && appliedTo(bad) ? "ALARM" : "OK");
    h.driver.failRevert.add(STACKS[wave]);
    const result = await h.run();
    expect(result.outcome).toBe("stuck");
    expect(result.reason).toContain(bad);
    expect(result.reason).toContain("recover with: cohort-rollout revert --cohort " + bad);
    const rf = h.eventsOf("revert-failed")[0]?.event as Extract<
      RolloutEvent,
      { type: "revert-failed" }
    >;
    expect(rf.cohort).toBe(bad);
    // The less critical cohorts that had the release are reverted anyway; the blocked one
    // is tried first (most critical first) and retried after them, REVERT_ATTEMPTS in all.
    const reverts = h.driver.reverts();
    expect(reverts[0]).toBe(STACKS[wave]);
    expect(reverts.filter((s) => s === STACKS[wave])).toHaveLength(REVERT_ATTEMPTS);
    expect([...new Set(reverts)].sort()).toEqual(STACKS.slice(0, wave + 1).sort());
    for (const s of STACKS.slice(0, wave)) expect(h.driver.pinOf(s)).toEqual(OLD_PIN);
    expect(h.eventsOf("revert-failed")).toHaveLength(REVERT_ATTEMPTS);
    // Retrying after a human fixed the cause finishes the reverts.
    h.driver.failRevert.clear();
    await h.ledger.append(
      { type: "resumed", release: "r1", by: "test" },
      h.ledger.records.length + 1,
    );
    expect((await h.makeRunner().run("r1")).outcome).toBe("failed");
    for (const s of STACKS) expect(h.driver.pinOf(s)).toEqual(OLD_PIN);
  });

  it("a revert blocked once (a stack locked for a while) is retried after a wait and the release fails cleanly, with no human", async () => {
    const h = await harness();
    const appliedTo = (c: string) =>
      h.eventsOf("applied").some((r) => cohortOf(r.event as RolloutEvent) === c);
    const bad = COHORTS[wave];
    h.gate.script = (name) => (name === `${bad}-errors` && appliedTo(bad) ? "ALARM" : "OK");
    h.driver.lockedRevert.set(STACKS[wave], 1);
    const result = await h.run();
    expect(result.outcome).toBe("failed");
    for (const s of STACKS) expect(h.driver.pinOf(s)).toEqual(OLD_PIN);
    const failedAt = h.eventsOf("revert-failed")[0];
    const retried = h
      .eventsOf("reverting")
      .filter((r) => cohortOf(r.event as RolloutEvent) === bad);
    expect(retried).toHaveLength(2);
    // The retry waited (a poll interval) after the failure, and came after the others' reverts.
    expect(retried[1].at - failedAt.at).toBeGreaterThanOrEqual(DEFAULT_POLICY.pollIntervalMs);
    const others = h.eventsOf("reverted").filter((r) => cohortOf(r.event as RolloutEvent) !== bad);
    expect(others).toHaveLength(wave);
    for (const other of others) expect(retried[1].seq).toBeGreaterThan(other.seq);
  });
});

describe("INSUFFICIENT_DATA", () => {
  const insufficientAtPro = (name: string) =>
    name === "pro-latency" ? ("INSUFFICIENT_DATA" as const) : ("OK" as const);

  it("hold (default): holds until the bake ends, then fails", async () => {
    const h = await harness();
    h.gate.script = insufficientAtPro;
    expect((await h.run()).outcome).toBe("failed");
    const applied = h.eventsOf("applied").find((r) => cohortOf(r.event as RolloutEvent) === "pro")!;
    const failed = h.eventsOf("failed")[0];
    expect(failed.at - applied.at).toBeGreaterThanOrEqual(600_000);
    expect((failed.event as { reason: string }).reason).toContain("at the end of the bake");
  });

  it("hold: data that arrives before the bake ends lets the cohort pass", async () => {
    const h = await harness();
    h.gate.script = (name, now) => {
      const applied = h
        .eventsOf("applied")
        .find((r) => cohortOf(r.event as RolloutEvent) === "pro");
      return name === "pro-latency" && (!applied || now < applied.at + 200_000)
        ? "INSUFFICIENT_DATA"
        : "OK";
    };
    expect((await h.run()).outcome).toBe("completed");
  });

  it("fail: fails at the first reading", async () => {
    const h = await harness({ policy: { insufficientData: "fail" } });
    h.gate.script = insufficientAtPro;
    expect((await h.run()).outcome).toBe("failed");
    const applied = h.eventsOf("applied").find((r) => cohortOf(r.event as RolloutEvent) === "pro")!;
    expect(h.eventsOf("failed")[0].at - applied.at).toBeLessThan(30_000);
  });

  it("ignore: treated as OK", async () => {
    const h = await harness({ policy: { insufficientData: "ignore" } });
    h.gate.script = insufficientAtPro;
    expect((await h.run()).outcome).toBe("completed");
  });

  it("before deploy, INSUFFICIENT_DATA does not block (idle cohorts have no data)", async () => {
    const h = await harness({ policy: { insufficientData: "ignore" } });
    h.gate.script = () => "INSUFFICIENT_DATA";
    expect((await h.run()).outcome).toBe("completed");
  });
});

describe("reading alarms", () => {
  it("retries API errors with doubling backoff, then carries on", async () => {
    const h = await harness();
    h.gate.failNext = 2;
    expect((await h.run()).outcome).toBe("completed");
    expect(h.clock.sleeps.slice(0, 2)).toEqual([1_000, 2_000]);
  });

  it("fails closed when every attempt errors", async () => {
    const h = await harness();
    let calls = 0;
    const read = h.gate.read.bind(h.gate);
    h.gate.read = (names) => {
      calls++;
      // The precheck of free succeeds; every read during free's bake fails.
      return calls === 1 ? read(names) : Promise.reject(new Error("AccessDenied"));
    };
    expect((await h.run()).outcome).toBe("failed");
    const failed = h.eventsOf("failed")[0].event as { reason: string; cohort: string };
    expect(failed.cohort).toBe("free");
    expect(failed.reason).toContain("failing closed");
    expect(h.driver.reverts()).toEqual(["prod.free"]);
  });

  it("a declared alarm that disappears during the bake fails closed", async () => {
    const h = await harness();
    h.gate.script = (name) =>
      name === "pro-errors" && h.eventsOf("applied").length >= 2 ? "MISSING" : "OK";
    expect((await h.run()).outcome).toBe("failed");
    expect((h.eventsOf("failed")[0].event as { reason: string }).reason).toContain(
      "does not exist",
    );
  });
});

describe("operators", () => {
  it("pause stops the run after the current step; resume continues to the end", async () => {
    const h = await harness();
    h.gate.script = (_name, now) => {
      if (h.eventsOf("applied").length === 2 && !h.types().includes("paused")) {
        // Another terminal pauses while pro bakes.
        void h.ledger.append(
          { type: "paused", release: "r1", by: "ops" },
          h.ledger.records.length + 1,
        );
      }
      void now;
      return "OK";
    };
    const result = await h.run();
    expect(result.outcome).toBe("paused");
    expect(h.driver.applies()).toEqual(["prod.free", "prod.pro"]);
    await h.ledger.append(
      { type: "resumed", release: "r1", by: "ops" },
      h.ledger.records.length + 1,
    );
    expect((await h.makeRunner().run("r1")).outcome).toBe("completed");
    expect(h.driver.applies()).toEqual(STACKS);
  });

  it("abort reverts everything the release reached and ends aborted", async () => {
    const h = await harness();
    h.gate.script = () => {
      if (h.eventsOf("applied").length === 2 && !h.types().includes("abort-requested")) {
        void h.ledger.append(
          { type: "abort-requested", release: "r1", by: "ops" },
          h.ledger.records.length + 1,
        );
      }
      return "OK";
    };
    const result = await h.run();
    expect(result.outcome).toBe("aborted");
    expect(h.driver.reverts()).toEqual(["prod.pro", "prod.free"]);
    expect(h.driver.applies()).toEqual(["prod.free", "prod.pro"]);
    for (const s of STACKS) expect(h.driver.pinOf(s)).toEqual(OLD_PIN);
  });
});

describe("previews", () => {
  const loss = [
    {
      urn: "urn:pulumi:prod.pro::svc::aws:dynamodb/table:Table::pro-data",
      type: "aws:dynamodb/table:Table",
      op: "replace" as const,
    },
  ];

  it("refuses a release that would replace a cohort's storage and reverts what it reached", async () => {
    const h = await harness();
    h.driver.previewChanges.set("prod.pro", loss);
    expect((await h.run()).outcome).toBe("failed");
    const failed = h.eventsOf("failed")[0].event as { cause: string; reason: string };
    expect(failed.cause).toBe("refused");
    expect(failed.reason).toContain("--allow-data-loss");
    expect(h.driver.applies()).toEqual(["prod.free"]);
    expect(h.driver.reverts()).toEqual(["prod.free"]);
  });

  it("refuses a cohort stack with no successful update (nothing to revert to) and reverts what it reached", async () => {
    const h = await harness();
    const pro = h.driver.stacks.get("prod.pro")!;
    pro.history = pro.history.map((u) => ({ ...u, result: "failed" as const }));
    expect((await h.run()).outcome).toBe("failed");
    const failed = h.eventsOf("failed")[0].event as {
      cause: string;
      reason: string;
      cohort: string;
    };
    expect(failed).toMatchObject({ cause: "refused", cohort: "pro" });
    expect(failed.reason).toContain("pulumi up --stack prod.pro");
    expect(h.driver.applies()).toEqual(["prod.free"]);
    expect(h.driver.reverts()).toEqual(["prod.free"]);
    expect(h.driver.pinOf("prod.pro")).toEqual(OLD_PIN);
  });

  it("a preview that cannot run fails the release there (cause preview), before any update of that cohort, and reverts what it reached", async () => {
    const h = await harness();
    h.driver.failPreview.add("prod.enterprise");
    const result = await h.run();
    expect(result.outcome).toBe("failed");
    const failed = h.eventsOf("failed")[0].event as {
      cause: string;
      reason: string;
      cohort: string;
    };
    expect(failed).toMatchObject({ cause: "preview", cohort: "enterprise" });
    expect(failed.reason).toContain("preview of prod.enterprise failed");
    expect(failed.reason).toContain("Missing required configuration variable");
    expect(h.driver.applies()).toEqual(["prod.free", "prod.pro"]);
    // Most critical first, and never the cohort that was only previewed.
    expect(h.driver.reverts()).toEqual(["prod.pro", "prod.free"]);
    for (const s of STACKS) expect(h.driver.pinOf(s)).toEqual(OLD_PIN);
    expect(h.types()).not.toContain("completed");
  });

  it("Ctrl-C during a preview stops without failing the release; resume previews again and completes", async () => {
    const h = await harness();
    const ctrlC = new AbortController();
    const preview = h.driver.preview.bind(h.driver);
    let seen: AbortSignal | undefined;
    // FakeDriver.preview takes no signal; this stand-in records the one the runner passes.
    h.driver.preview = (stack: string, release: Release, _p?: unknown, signal?: AbortSignal) => {
      if (stack !== "prod.pro") return preview(stack, release);
      seen = signal;
      ctrlC.abort(new Error("interrupted by SIGINT"));
      return Promise.reject(new Error("preview canceled"));
    };
    const runner = new Runner(
      { driver: h.driver, gate: h.gate, ledger: h.ledger, clock: h.clock },
      { gateAttempts: 3, gateBackoffMs: 1_000, signal: ctrlC.signal },
    );
    expect((await runner.run("r1")).outcome).toBe("interrupted");
    expect(seen).toBe(ctrlC.signal);
    expect(h.types()).not.toContain("failed");
    expect(h.ledger.events().some((e) => e.type === "applying" && e.cohort === "pro")).toBe(false);
    h.driver.preview = preview;
    expect((await h.makeRunner().run("r1")).outcome).toBe("completed");
    expect(h.driver.applies()).toEqual(STACKS);
  });

  it("--allow-data-loss lets it through and the preview is shown", async () => {
    const h = await harness({ policy: { allowDataLoss: true } });
    h.driver.previewChanges.set("prod.pro", loss);
    expect((await h.run()).outcome).toBe("completed");
    const shown = h.updates.find((u) => u.kind === "preview" && u.cohort === "pro");
    expect(shown?.kind === "preview" && shown.changes[0]).toContain(
      "replace aws:dynamodb/table:Table",
    );
  });
});

describe("interrupted updates", () => {
  it("an update that finished before the crash is recognised, not applied again", async () => {
    const h = await harness();
    h.ledger.crashAfter = 3; // planned(1 before) + observed + applying
    await expect(h.run()).rejects.toThrow("simulated crash");
    // The process died after recording `applying`; the update itself then ran to completion.
    await h.driver.apply("prod.free", { id: "r1", version: "2.0.0", config: { FLAG: "on" } });
    h.ledger.crashAfter = undefined;
    expect((await h.makeRunner().run("r1")).outcome).toBe("completed");
    expect(h.driver.applies()).toEqual(STACKS);
    expect(h.driver.calls.filter((c) => c.op === "refresh").map((c) => c.stack)).toEqual([
      "prod.free",
    ]);
    expect(h.eventsOf("applied")[0].event).toMatchObject({ cohort: "free", recovered: true });
  });

  it("an update cut off mid-way is refreshed (pending operations cleared) and applied again", async () => {
    const h = await harness();
    h.ledger.crashAfter = 3;
    await expect(h.run()).rejects.toThrow("simulated crash");
    h.driver.stacks.get("prod.free")!.pending = true;
    h.ledger.crashAfter = undefined;
    expect((await h.makeRunner().run("r1")).outcome).toBe("completed");
    expect(h.driver.calls.filter((c) => c.stack === "prod.free").map((c) => c.op)).toEqual([
      "preview",
      "refresh",
      "apply",
    ]);
    expect(h.eventsOf("applying").map((r) => (r.event as { attempt: number }).attempt)).toEqual([
      1, 2, 1, 1,
    ]);
  });

  it("a locked stack blocks the release for a human instead of failing it", async () => {
    const h = await harness();
    h.driver.lockedApply.add("prod.pro");
    const result = await h.run();
    expect(result.outcome).toBe("blocked");
    expect(result.reason).toContain("locked");
    expect(h.driver.reverts()).toEqual([]);
  });
});

describe("the edge wave", () => {
  it("runs after every cohort, gated on every cohort's alarms", async () => {
    const h = await harness({ edge: true });
    expect((await h.run()).outcome).toBe("completed");
    expect(h.driver.applies()).toEqual([...STACKS, "prod"]);
    const edgeObs = h.ledger
      .events()
      .find((e) => e.type === "observed" && e.cohort === "edge" && e.phase === "bake");
    expect(edgeObs?.type === "observed" && edgeObs.readings.map((r) => r.name)).toContain(
      "enterprise-errors",
    );
  });

  it("an alarm in any cohort while the edge bakes reverts the edge first, then every cohort", async () => {
    const h = await harness({ edge: true });
    h.gate.script = (name) =>
      name === "free-errors" && h.eventsOf("applied").length === 4 ? "ALARM" : "OK";
    expect((await h.run()).outcome).toBe("failed");
    expect(h.driver.reverts()).toEqual(["prod", ...[...STACKS].reverse()]);
  });
});

describe("hardening: operators and outcomes that race", () => {
  it("a pause recorded while an update fails does not hold back the revert, and the release is not applied again", async () => {
    const h = await harness();
    h.driver.failApply.add("prod.pro");
    const apply = h.driver.apply.bind(h.driver);
    h.driver.apply = async (stack, release) => {
      // Another terminal pauses while pro's update runs (and then fails).
      if (stack === "prod.pro")
        await h.ledger.append(
          { type: "paused", release: "r1", by: "ops" },
          h.ledger.records.length + 1,
        );
      return apply(stack, release);
    };
    const result = await h.run();
    expect(result.outcome).toBe("failed");
    expect(h.eventsOf("failed").map((r) => cohortOf(r.event as RolloutEvent))).toEqual(["pro"]);
    expect(h.driver.applies()).toEqual(["prod.free", "prod.pro"]);
    expect(h.driver.reverts()).toEqual(["prod.pro", "prod.free"]);
    for (const s of STACKS) expect(h.driver.pinOf(s)).toEqual(OLD_PIN);
  });

  it("an abort recorded during a long cadence wait is acted on within a poll interval", async () => {
    const HOUR = 3_600_000;
    const h = await harness();
    // pro took a release (r0) a moment ago, so r1 must wait an hour to reach it.
    const withCadence = h.waves.map((w) => ({
      ...w,
      targets: w.targets.map((t) => (t.cohort === "pro" ? { ...t, minIntervalMs: HOUR } : t)),
    }));
    const plan = (id: string): Extract<RolloutEvent, { type: "planned" }> => ({
      type: "planned",
      release: id,
      releaseSpec: { id, version: id, config: {} },
      environment: "prod",
      waves: withCadence,
      policy: { insufficientData: "hold", pollIntervalMs: 30_000, allowDataLoss: false },
    });
    h.ledger.records = [];
    const events: RolloutEvent[] = [
      plan("r0"),
      { type: "applying", release: "r0", cohort: "pro", stack: "prod.pro", attempt: 1 },
      { type: "applied", release: "r0", cohort: "pro", recovered: false },
      { type: "aborted", release: "r0" },
      { ...plan("r1"), releaseSpec: { id: "r1", version: "2.0.0", config: { FLAG: "on" } } },
    ];
    for (const e of events) await h.ledger.append(e, h.ledger.records.length + 1);
    // An operator aborts at a fixed wall-clock time, whatever the runner is doing then.
    const abortAt = 2_000_000; // after free passed, well inside the hour-long wait
    let aborted = false;
    h.clock.sleep = async (ms) => {
      h.clock.sleeps.push(ms);
      if (!aborted && h.clock.t < abortAt && h.clock.t + ms >= abortAt) {
        const rest = h.clock.t + ms - abortAt;
        h.clock.t = abortAt;
        aborted = true;
        await h.ledger.append(
          { type: "abort-requested", release: "r1", by: "ops" },
          h.ledger.records.length + 1,
        );
        h.clock.t += rest;
        return;
      }
      h.clock.t += Math.max(0, ms);
    };
    const result = await h.run();
    expect(result.outcome).toBe("aborted");
    expect(aborted).toBe(true);
    const revertStart = h.driver.calls.find((c) => c.op === "revert")!.at;
    expect(revertStart - abortAt).toBeLessThanOrEqual(30_000);
    expect(h.driver.applies()).toEqual(["prod.free"]);
  });
});

describe("hardening: clocks", () => {
  it("after a restart on a clock behind the ledger's, alarms are still read every poll interval", async () => {
    const h = await harness();
    // Crash mid-bake of free: planned, precheck, applying, applied, first observation.
    h.ledger.crashAfter = 5;
    await expect(h.run()).rejects.toThrow("simulated crash");
    h.ledger.crashAfter = undefined;
    h.clock.t -= 3_600_000; // the restarting machine's clock is an hour behind
    const restartAt = h.clock.now();
    h.gate.script = (name) => (name === "free-errors" ? "ALARM" : "OK");
    expect((await h.makeRunner().run("r1")).outcome).toBe("failed");
    const revertStart = h.driver.calls.find((c) => c.op === "revert")!.at;
    expect(revertStart - restartAt).toBeLessThanOrEqual(30_000);
  });

  it("a precheck recorded 'in the future' (clock went backwards) is taken again before deploying", async () => {
    const h = await harness();
    h.ledger.crashAfter = 2; // planned + free's precheck
    await expect(h.run()).rejects.toThrow("simulated crash");
    h.ledger.crashAfter = undefined;
    h.clock.t -= 3_600_000;
    h.gate.script = (name) => (name === "free-errors" ? "ALARM" : "OK");
    const result = await h.makeRunner().run("r1");
    expect(result.outcome).toBe("blocked");
    expect(h.driver.applies()).toEqual([]);
  });

  it("a cohort passes only on a reading that started at or after the end of its bake", async () => {
    const h = await harness({
      cohorts: [{ name: "free", criticality: 0, bakeMs: 310_000 }],
    });
    const read = h.gate.read.bind(h.gate);
    const starts: number[] = [];
    h.gate.read = async (names) => {
      starts.push(h.clock.now());
      const readings = await read(names);
      await h.clock.sleep(20_000); // a slow API call
      return readings;
    };
    expect((await h.run()).outcome).toBe("completed");
    const appliedAt = h.eventsOf("applied")[0].at;
    const passedAt = h.eventsOf("passed")[0].at;
    const lastReadStart = Math.max(...starts.filter((s) => s < passedAt));
    expect(lastReadStart).toBeGreaterThanOrEqual(appliedAt + 310_000);
  });
});

describe("hardening: the update a revert returns to", () => {
  it("after a first attempt refused by a stack lock, the revert returns to the stack's update at the real attempt", async () => {
    const h = await harness();
    h.driver.lockedApply.add("prod.pro");
    expect((await h.run()).outcome).toBe("blocked");
    // The lock holder (an operator's own update) changes pro's config, then releases the lock.
    const operatorPin = { release: "hotfix", version: "1.0.1", config: {} };
    const pro = h.driver.stacks.get("prod.pro")!;
    pro.config = { pin: JSON.stringify(operatorPin) };
    pro.history.push({ version: pro.history.length + 1, result: "succeeded", config: pro.config });
    h.driver.lockedApply.clear();
    h.gate.script = (name) =>
      name === "pro-errors" &&
      h.eventsOf("applied").some((r) => cohortOf(r.event as RolloutEvent) === "pro")
        ? "ALARM"
        : "OK";
    await h.ledger.append(
      { type: "resumed", release: "r1", by: "ops" },
      h.ledger.records.length + 1,
    );
    expect((await h.makeRunner().run("r1")).outcome).toBe("failed");
    expect(h.driver.pinOf("prod.pro")).toEqual(operatorPin);
    expect(h.driver.pinOf("prod.free")).toEqual(OLD_PIN);
  });
});

describe("an operator while an update runs", () => {
  const POLL = 30_000;
  const LONG_UP = 15 * 60_000; // pro's `pulumi up` takes 15 minutes

  /** Makes pro's update long; `during(at)` runs 45 s into it, as another terminal would. */
  function slowPro(h: Awaited<ReturnType<typeof harness>>, during: () => Promise<unknown>) {
    h.driver.applyMsOf.set("prod.pro", LONG_UP);
    const apply = h.driver.apply.bind(h.driver);
    const at: { start?: number; op?: number } = {};
    h.driver.apply = (
      stack: string,
      release: Release,
      onProgress?: unknown,
      signal?: AbortSignal,
    ) => {
      if (stack === "prod.pro" && at.start === undefined) {
        at.start = h.clock.now();
        void h.clock.sleep(45_000).then(async () => {
          at.op = h.clock.now();
          await during();
        });
      }
      return apply(stack, release, onProgress, signal);
    };
    return at;
  }
  const append = (h: Awaited<ReturnType<typeof harness>>, e: RolloutEvent) =>
    h.ledger.append(e, h.ledger.records.length + 1);

  it("an abort cancels the update within a poll interval, then refreshes and reverts every cohort it reached, most critical first", async () => {
    const h = await harness();
    const at = slowPro(h, () => append(h, { type: "abort-requested", release: "r1", by: "ops" }));
    const result = await h.run();
    expect(result.outcome).toBe("aborted");
    expect(at.op).toBeDefined();
    // Cancelled once, by the runner, within one poll interval of the abort being recorded.
    expect(h.driver.cancels.map((c) => c.stack)).toEqual(["prod.pro"]);
    const cancelledAt = h.driver.cancels[0].at;
    expect(cancelledAt).toBeGreaterThanOrEqual(at.op!);
    expect(cancelledAt - at.op!).toBeLessThanOrEqual(POLL);
    expect(cancelledAt - at.start!).toBeLessThan(LONG_UP);
    // The cancelled stack is refreshed (pending operations) before its revert; pro before free.
    expect(h.driver.applies()).toEqual(["prod.free", "prod.pro"]);
    expect(h.driver.reverts()).toEqual(["prod.pro", "prod.free"]);
    expect(h.driver.calls.filter((c) => c.stack === "prod.pro").map((c) => c.op)).toEqual([
      "preview",
      "apply",
      "refresh",
      "revert",
    ]);
    const revertStart = h.driver.calls.find((c) => c.op === "revert")!.at;
    expect(revertStart - cancelledAt).toBeLessThan(POLL);
    for (const s of STACKS) expect(h.driver.pinOf(s)).toEqual(OLD_PIN);
    for (const s of STACKS) expect(h.driver.stacks.get(s)!.pending).toBe(false);
    // The ledger says what happened: the update's outcome (cancelled by the abort), then reverts.
    const failed = h.eventsOf("failed").map((r) => r.event as RolloutEvent);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ cohort: "pro", cause: "cancelled" });
    expect(failed[0]?.type === "failed" && failed[0].reason).toMatch(/cancel.*abort/i);
    const tail = h.ledger
      .events()
      .slice(-6)
      .map((e) => `${e.type}${cohortOf(e) ? ":" + cohortOf(e) : ""}`);
    expect(tail).toEqual([
      "failed:pro",
      "reverting:pro",
      "reverted:pro",
      "reverting:free",
      "reverted:free",
      "aborted",
    ]);
    expect(h.types()).not.toContain("release-failed");
    const state = await h.state();
    expect(state?.outcome).toBe("aborted");
    expect(state?.failure).toBeUndefined();
    for (const c of ["free", "pro"]) expect(state?.targets.get(c)?.phase).toBe("reverted");
    expect(state?.targets.get("enterprise")?.phase).toBe("pending");
    expect(h.clock.pending()).toBe(0);
  });

  it("a manual revert of another cohort (it aborts the release) cancels the update too", async () => {
    const h = await harness();
    slowPro(h, () =>
      append(h, {
        type: "reverting",
        release: "r1",
        cohort: "free",
        stack: "prod.free",
        manual: true,
      }),
    );
    expect((await h.run()).outcome).toBe("aborted");
    expect(h.driver.cancels.map((c) => c.stack)).toEqual(["prod.pro"]);
    expect(h.driver.reverts()).toEqual(["prod.pro", "prod.free"]);
    for (const s of STACKS) expect(h.driver.pinOf(s)).toEqual(OLD_PIN);
  });

  it("a pause does not cancel the update: it finishes, then the run stops; resume completes", async () => {
    const h = await harness();
    slowPro(h, () => append(h, { type: "paused", release: "r1", by: "ops" }));
    const result = await h.run();
    expect(result.outcome).toBe("paused");
    expect(h.driver.cancels).toEqual([]);
    expect(h.driver.applies()).toEqual(["prod.free", "prod.pro"]);
    expect(h.driver.pinOf("prod.pro")?.release).toBe("r1");
    expect(h.eventsOf("applied").map((r) => cohortOf(r.event as RolloutEvent))).toEqual([
      "free",
      "pro",
    ]);
    expect(h.types()).not.toContain("failed");
    expect(h.clock.pending()).toBe(0);
    await append(h, { type: "resumed", release: "r1", by: "ops" });
    expect((await h.makeRunner().run("r1")).outcome).toBe("completed");
    expect(h.driver.applies()).toEqual(STACKS);
  });

  it("Ctrl-C during the update still stops leaving `applying` open; resume refreshes and re-applies", async () => {
    const h = await harness();
    const ctrlC = new AbortController();
    slowPro(h, () => {
      ctrlC.abort(new Error("interrupted by SIGINT"));
      return Promise.resolve();
    });
    const runner = new Runner(
      { driver: h.driver, gate: h.gate, ledger: h.ledger, clock: h.clock },
      { gateAttempts: 3, gateBackoffMs: 1_000, signal: ctrlC.signal },
    );
    const result = await runner.run("r1");
    expect(result.outcome).toBe("interrupted");
    expect(h.driver.cancels.map((c) => c.stack)).toEqual(["prod.pro"]);
    expect(h.ledger.events().at(-1)).toMatchObject({ type: "applying", cohort: "pro" });
    expect(h.clock.pending()).toBe(0);
    expect((await h.makeRunner().run("r1")).outcome).toBe("completed");
    expect(h.driver.calls.filter((c) => c.stack === "prod.pro").map((c) => c.op)).toEqual([
      "preview",
      "apply",
      "refresh",
      "apply",
    ]);
  });
});
