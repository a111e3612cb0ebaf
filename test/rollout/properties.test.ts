/**
 * Property tests over random event sequences: whatever the alarms, update
 * results, revert results and crashes do, a failed release never reaches a
 * higher wave, every cohort ends on a known pin, and replaying the ledger
 * reproduces the state.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RolloutEvent } from "../../stacks/rollout/core/events.js";
import { decide } from "../../stacks/rollout/core/machine.js";
import type { AlarmStateValue } from "../../stacks/rollout/core/ports.js";
import { readState } from "../../stacks/rollout/executor/runner.js";
import { type FoldRecord, apply, fold } from "../../stacks/rollout/core/state.js";
import { CrashError } from "../kit/ledger.js";
import type { CohortSpec } from "../kit/plan.js";
import { OLD_PIN, harness } from "./support/harness.js";

const STATES: (AlarmStateValue | "MISSING")[] = [
  "OK",
  "OK",
  "OK",
  "ALARM",
  "INSUFFICIENT_DATA",
  "MISSING",
];

const scenario = fc.record({
  levels: fc.array(fc.integer({ min: 1, max: 2 }), { minLength: 1, maxLength: 4 }),
  /** Alarm state per (cohort index, poll bucket). */
  alarmTable: fc.array(fc.constantFrom(...STATES), { minLength: 64, maxLength: 64 }),
  alarmProbabilityOk: fc.integer({ min: 0, max: 100 }),
  failApply: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
  failRevert: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
  policy: fc.constantFrom("hold" as const, "fail" as const, "ignore" as const),
  gateErrors: fc.integer({ min: 0, max: 5 }),
  edge: fc.boolean(),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function cohortsOf(s: Scenario): CohortSpec[] {
  const out: CohortSpec[] = [];
  s.levels.forEach((n, level) => {
    for (let i = 0; i < n; i++)
      out.push({ name: `c${level}_${i}`, criticality: level, bakeMs: 60_000 * (level + 1) });
  });
  return out;
}

async function setup(s: Scenario) {
  const cohorts = cohortsOf(s);
  const h = await harness({ cohorts, policy: { insufficientData: s.policy }, edge: s.edge });
  const index = new Map(cohorts.map((c, i) => [c.name, i]));
  h.gate.failNext = s.gateErrors;
  h.gate.script = (name, now) => {
    const cohort = name.replace(/-(errors|latency)$/, "");
    const i = index.get(cohort) ?? 0;
    const bucket = Math.floor((now - 1_000_000) / 45_000);
    // Mostly healthy, with random trouble: the table decides which poll sees what.
    if ((i * 31 + bucket * 7) % 100 < s.alarmProbabilityOk) return "OK";
    return s.alarmTable[(i * 13 + bucket) % 64] ?? "OK";
  };
  cohorts.forEach((c, i) => {
    if (s.failApply[i]) h.driver.failApply.add(`prod.${c.name}`);
    if (s.failRevert[i]) h.driver.failRevert.add(`prod.${c.name}`);
  });
  return { h, cohorts };
}

/** Checks the safety invariants over a whole ledger. */
function checkInvariants(events: RolloutEvent[], waveOf: Map<string, number>): void {
  let failedWave: number | undefined;
  const passed = new Set<string>();
  for (const e of events) {
    if (e.type === "failed") failedWave ??= waveOf.get(e.cohort);
    if (e.type === "abort-requested") failedWave ??= -1;
    if (e.type === "passed") passed.add(e.cohort);
    if (e.type === "applying") {
      const w = waveOf.get(e.cohort) ?? 0;
      // A failed release never reaches a higher wave.
      if (failedWave !== undefined) expect(w).toBeLessThanOrEqual(failedWave);
      // Every cohort of every lower wave passed before this one started.
      for (const [c, cw] of waveOf) if (cw < w) expect(passed.has(c)).toBe(true);
    }
  }
}

describe("properties", () => {
  it("a failed gate never lets the release reach a higher wave; every cohort ends on a known pin", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const { h } = await setup(s);
        const result = await h.run();
        const waveOf = new Map(
          h.waves.flatMap((w) => w.targets.map((t) => [t.cohort, w.index] as const)),
        );
        checkInvariants(h.ledger.events(), waveOf);
        const stacks = [...h.driver.stacks.keys()];
        if (result.outcome === "completed") {
          for (const st of stacks) expect(h.driver.pinOf(st)?.release).toBe("r1");
        } else if (result.outcome === "failed") {
          // Every cohort is back on the pin it had before the release.
          for (const st of stacks) expect(h.driver.pinOf(st)).toEqual(OLD_PIN);
        } else if (result.outcome === "stuck") {
          // Stopped loudly; the ledger names the cohort and the recovery command.
          expect(
            h.ledger
              .events()
              .some((e) => e.type === "revert-failed" && e.recoverCommand.length > 0),
          ).toBe(true);
        } else {
          expect(result.outcome).toBe("blocked");
          expect(h.driver.reverts()).toEqual([]);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("replaying the ledger reproduces the state, in one pass or record by record", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, fc.integer({ min: 0, max: 1000 }), async (s, cut) => {
        const { h } = await setup(s);
        await h.run();
        const { state, records } = await readState(h.ledger);
        // Through JSON (as the file ledger stores it) and incrementally from any prefix.
        const roundTripped = JSON.parse(JSON.stringify(records)) as FoldRecord[];
        const k = cut % (records.length + 1);
        let incremental = fold(roundTripped.slice(0, k));
        for (const r of roundTripped.slice(k)) incremental = apply(incremental, r);
        expect(incremental).toEqual(state);
        // The machine's next decision is a function of the replayed state alone.
        const r1 = state.releases.get("r1")!;
        const again = fold(records).releases.get("r1")!;
        expect(decide(again, h.clock.now())).toEqual(decide(r1, h.clock.now()));
      }),
      { numRuns: 100 },
    );
  });

  it("random external outcomes fed straight into the machine never advance past a failure", () => {
    // The machine alone, with the world's answers drawn at random at every step.
    const outcome = fc.record({
      state: fc.constantFrom<AlarmStateValue | "MISSING">(
        "OK",
        "ALARM",
        "INSUFFICIENT_DATA",
        "MISSING",
      ),
      ok: fc.boolean(),
      dt: fc.integer({ min: 0, max: 400_000 }),
    });
    fc.assert(
      fc.property(
        fc.array(outcome, { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 1, max: 3 }),
        (steps, nLevels) => {
          const cohorts = Array.from({ length: nLevels }, (_, i) => ({
            name: `c${i}`,
            criticality: i,
            bakeMs: 120_000,
          }));
          let now = 0;
          let seq = 0;
          const records: FoldRecord[] = [];
          const push = (event: RolloutEvent) => records.push({ seq: ++seq, at: now, event });
          push({
            type: "planned",
            release: "r",
            releaseSpec: { id: "r", version: "2", config: {} },
            environment: "prod",
            waves: cohorts.map((c, index) => ({
              index,
              targets: [
                {
                  cohort: c.name,
                  stack: `s.${c.name}`,
                  criticality: c.criticality,
                  bakeMs: c.bakeMs,
                  alarmNames: [`${c.name}-a`],
                  edge: false,
                },
              ],
            })),
            policy: { insufficientData: "hold", pollIntervalMs: 30_000, allowDataLoss: false },
          });
          let state = fold(records);
          for (const step of steps) {
            now += step.dt;
            const release = state.releases.get("r")!;
            const cmd = decide(release, now);
            if (cmd.kind === "stop") break;
            const reading = (name: string) =>
              step.state === "MISSING"
                ? { name, exists: false }
                : { name, exists: true, state: step.state };
            if (cmd.kind === "record") push(cmd.event);
            else if (cmd.kind === "precheck")
              push({
                type: "observed",
                release: "r",
                cohort: cmd.target.cohort,
                phase: "precheck",
                final: false,
                readings: cmd.target.alarmNames.map(reading),
              });
            else if (cmd.kind === "apply") {
              push({
                type: "applying",
                release: "r",
                cohort: cmd.target.cohort,
                stack: cmd.target.stack,
                previous: { version: 1, result: "succeeded", config: {} },
                attempt: cmd.attempt,
              });
              push(
                step.ok
                  ? { type: "applied", release: "r", cohort: cmd.target.cohort, recovered: false }
                  : {
                      type: "failed",
                      release: "r",
                      cohort: cmd.target.cohort,
                      cause: "update",
                      reason: "x",
                    },
              );
            } else if (cmd.kind === "observe") {
              for (const t of cmd.targets)
                push({
                  type: "observed",
                  release: "r",
                  cohort: t.cohort,
                  phase: "bake",
                  final: false,
                  readings: t.alarmNames.map(reading),
                });
            } else if (cmd.kind === "revert") {
              push(
                step.ok
                  ? { type: "reverted", release: "r", cohort: cmd.target.cohort, manual: false }
                  : {
                      type: "revert-failed",
                      release: "r",
                      cohort: cmd.target.cohort,
                      reason: "x",
                      recoverCommand: "y",
                      manual: false,
                    },
              );
            }
            state = fold(records);
            const waveOf = new Map(cohorts.map((c, i) => [c.name, i] as const));
            checkInvariants(
              records.map((r) => r.event),
              waveOf,
            );
            // Passing needs a full bake: no cohort passes before its bake elapsed since it was applied.
            const last = records[records.length - 1];
            if (last.event.type === "passed") {
              const t = state.releases.get("r")!.targets.get(last.event.cohort)!;
              expect(last.at - (t.appliedAt ?? Infinity)).toBeGreaterThanOrEqual(t.target.bakeMs);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a crash after any append, then a restart, ends the same as an uninterrupted run", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, fc.integer({ min: 1, max: 60 }), async (s, crashAt) => {
        const reference = await setup(s);
        const expected = await reference.h.run();
        const pinsExpected = [...reference.h.driver.stacks.keys()].map((k) =>
          reference.h.driver.pinOf(k),
        );

        const { h } = await setup(s);
        h.ledger.crashAfter = crashAt;
        let result;
        try {
          result = await h.run();
        } catch (err) {
          expect(err).toBeInstanceOf(CrashError);
          h.ledger.crashAfter = undefined;
          result = await h.makeRunner().run("r1");
        }
        expect(result.outcome).toBe(expected.outcome);
        expect([...h.driver.stacks.keys()].map((k) => h.driver.pinOf(k))).toEqual(pinsExpected);
        // Nothing applied twice: each stack got the release at most once.
        const applies = h.driver.applies();
        expect(new Set(applies).size).toBe(applies.length);
      }),
      { numRuns: 120 },
    );
  });
});
