/**
 * Crash safety of the real CLI (stacks/rollout/cli/main.ts): kill -9 at every
 * step boundary of a three-wave rollout (prod: free, pro, enterprise), then
 * `resume` until done, and the outcome must equal an uninterrupted run's.
 *
 * Real parts: the CLI process, its Automation API driver, the file ledger,
 * the CloudWatch gate against moto. Stand-in: `pulumi` (test/support/
 * fake-pulumi, first on PATH), which keeps every stack's config and update
 * history in files and, on `up` of a cohort stack, sets that cohort's alarms
 * in moto: OK for a good version, ALARM for a version listed as bad for it.
 *
 * Two releases from the same starting point (every cohort on r1):
 *   good  r2 2.0.0       -> every wave passes; every cohort ends on r2 (exit 0)
 *   bad   r2 2.0.0-bad   -> bad in pro only: free passes, pro's gate fails,
 *                           pro then free are reverted to r1, enterprise is
 *                           never touched (exit 1)
 *
 * The kill: COHORT_ROLLOUT_CRASH_AFTER=<n> makes the CLI SIGKILL itself right
 * after its n-th ledger append. A chain of processes, each killed after its
 * first append, puts a kill after every event of the ledger; a process whose
 * predecessor was killed right after `applying` or a precheck reading gets
 * n=2, since its first append re-records that step and killing there again
 * and again would never let the rollout move. Single kills at chosen boundaries, each
 * followed by one `resume`, check the plain "killed once" case too.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureMoto, startMoto, type MotoServer } from "../support/moto.js";
import {
  BAD,
  CLI,
  COHORTS,
  GOOD,
  PIN_R1,
  World,
  describeRun,
  removeWorlds,
  pinOf,
  pool,
  type CliRun,
  type ReleaseInput,
  type CohortName,
  type LedgerLine,
} from "./world.js";

/** An uninterrupted run: its outcome and its ledger as `type:cohort` steps. */
interface Reference {
  outcome: Outcome;
  steps: string[];
}

/** What must be equal between an interrupted and an uninterrupted run. */
interface Outcome {
  exitCode: number | null;
  terminal: string | undefined;
  pins: Record<CohortName, string>;
  /** Per cohort: the last cohort event (passed, reverted) or "untouched". */
  cohorts: Record<CohortName, string>;
}

function outcomeOf(world: World, exitCode: number | null): Outcome {
  const lines = world.ledger();
  const pins = {} as Record<CohortName, string>;
  const cohorts = {} as Record<CohortName, string>;
  for (const c of COHORTS) {
    const p = world.pin(c);
    pins[c] = `${p.release}@${p.version}`;
    const own = lines.filter((l) => l.event.cohort === c && l.event.type !== "observed");
    cohorts[c] = own.at(-1)?.event.type ?? "untouched";
  }
  const terminal = lines
    .map((l) => l.event.type)
    .filter((t) => ["completed", "release-failed", "aborted"].includes(t));
  return { exitCode, terminal: terminal.at(-1), pins, cohorts };
}

const KNOWN_PINS = new Set([PIN_R1, pinOf(GOOD), pinOf(BAD)].map((p) => JSON.stringify(p)));

/** Holds after every kill: every cohort on a known pin, the ledger readable and gap-free. */
function checkAfterKill(world: World, where: string): void {
  for (const c of COHORTS) {
    const pin = JSON.stringify(world.pin(c));
    expect(KNOWN_PINS.has(pin), `${where}: ${c} is on an unknown pin ${pin}`).toBe(true);
  }
  const seqs = world.ledger().map((l) => l.seq);
  expect(seqs, `${where}: ledger sequence`).toEqual(seqs.map((_, i) => i + 1));
}

/** The ordering rules every finished rollout obeys, interrupted or not. */
function checkOrdering(world: World, bad: boolean): void {
  const events = world.ledger().map((l) => l.event);
  const firstApplying = (c: CohortName) =>
    events.findIndex((e) => e.type === "applying" && e.cohort === c);
  const passed = (c: CohortName) => events.findIndex((e) => e.type === "passed" && e.cohort === c);
  // No wave skipped: a cohort is applied only after the wave before it passed.
  expect(firstApplying("free")).toBeGreaterThan(-1);
  expect(passed("free")).toBeGreaterThan(firstApplying("free"));
  expect(firstApplying("pro")).toBeGreaterThan(passed("free"));
  if (!bad) {
    expect(passed("pro")).toBeGreaterThan(firstApplying("pro"));
    expect(firstApplying("enterprise")).toBeGreaterThan(passed("pro"));
    expect(passed("enterprise")).toBeGreaterThan(firstApplying("enterprise"));
    return;
  }
  // The failed release never reached enterprise; reverts ran most critical first.
  expect(firstApplying("enterprise")).toBe(-1);
  const failed = events.findIndex((e) => e.type === "failed");
  expect(events[failed]).toMatchObject({ cohort: "pro", cause: "gate" });
  const reverted = events.filter((e) => e.type === "reverted").map((e) => e.cohort);
  expect(reverted).toEqual(["pro", "free"]);
  expect(events.findIndex((e) => e.type === "reverting" && e.cohort === "pro")).toBeGreaterThan(
    failed,
  );
}

/** After the last run: no lock or pending operation left on any stack. */
function checkStacksClean(world: World): void {
  expect(world.locks()).toEqual([]);
  for (const c of COHORTS) expect(world.stack(`prod.${c}`).pending).toEqual([]);
}

/** Resume (killing each process after `crashAfter(ledger)` appends) until a run ends by itself. */
async function resumeUntilDone(
  world: World,
  first: CliRun,
  crashAfter: (lines: LedgerLine[]) => number | undefined,
): Promise<{ last: CliRun; kills: number }> {
  let run = first;
  let kills = 0;
  for (let i = 0; run.signal === "SIGKILL"; i++) {
    kills++;
    checkAfterKill(
      world,
      `after kill #${String(kills)} (ledger #${String(world.ledger().length)})`,
    );
    if (i > 120) throw new Error(`${world.name}: no end after ${String(i)} restarts`);
    run = await world.resume(crashAfter(world.ledger()));
  }
  return { last: run, kills };
}

/**
 * Kill the next process after its first append, unless that append only
 * re-records a step a restart must redo: an `applying` (the update is
 * re-run) or a precheck reading (a stale one is taken again before
 * deploying). Killing there every time would never let the rollout move.
 */
const afterOneStep = (lines: LedgerLine[]): number => {
  const last = lines.at(-1)?.event;
  const redone =
    last?.type === "applying" || (last?.type === "observed" && last.phase === "precheck");
  return redone ? 2 : 1;
};

/**
 * Deploy, and kill -9 the CLI's whole process group (the CLI and its
 * `pulumi up`) while `stack`'s update has an operation under way.
 */
async function killMidUpdate(w: World, release: ReleaseInput, stack: string): Promise<CliRun> {
  let pid: number | undefined;
  let finished = false;
  // Slow resource steps widen the window in which the update is under way.
  const running = w
    .deploy(release, undefined, undefined, {
      env: { FAKE_PULUMI_STEP_MS: "400" },
      onStart: (p) => (pid = p),
    })
    .finally(() => (finished = true));
  let killed = false;
  while (!finished && !killed) {
    const file = join(w.stateDir, "stacks", `${stack}.json`);
    const pending = existsSync(file) ? w.stack(stack).pending : [];
    if (pending.length > 0 && pid !== undefined) {
      process.kill(-pid, "SIGKILL");
      killed = true;
    } else {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  const first = await running;
  expect(killed, describeRun(first)).toBe(true);
  expect(first.signal).toBe("SIGKILL");
  return first;
}

const moto = await ensureMoto();
const cliReady = existsSync(CLI);
if (!cliReady) {
  console.warn(`\n!!! SKIPPED: crash tests: ${CLI} does not exist yet\n`);
}

describe.skipIf(!moto.available || !cliReady)(
  `kill -9 at every step boundary ${moto.reason ?? ""}`,
  () => {
    let aws: MotoServer;
    const references = new Map<string, Promise<Reference>>();
    let seq = 0;
    const world = async (tag: string, badInPro: string[]): Promise<World> => {
      const w = new World(`${tag}${String(seq++)}`, aws, badInPro);
      await w.seed();
      return w;
    };

    beforeAll(async () => {
      aws = await startMoto();
    });
    afterAll(async () => {
      await aws.stop();
      removeWorlds();
    });

    const scenarios = [
      { name: "good", release: GOOD, bad: false, exit: 0, terminal: "completed" },
      { name: "bad", release: BAD, bad: true, exit: 1, terminal: "release-failed" },
    ] as const;

    type Scenario = (typeof scenarios)[number];

    /** The uninterrupted run of a scenario, checked, once per file (later tests compare to it). */
    const reference = (s: Scenario): Promise<Reference> => {
      let outcome = references.get(s.name);
      if (!outcome) {
        outcome = (async () => {
          const w = await world(s.name, [BAD.version]);
          const run = await w.deploy(s.release);
          expect(run.signal, describeRun(run)).toBeNull();
          expect(run.code, describeRun(run)).toBe(s.exit);
          const result = outcomeOf(w, run.code);
          expect(result.terminal).toBe(s.terminal);
          const expectedPin = s.bad ? "r1@1.0.0" : `r2@${s.release.version}`;
          expect(result.pins).toEqual({
            free: expectedPin,
            pro: expectedPin,
            enterprise: expectedPin,
          });
          expect(result.cohorts).toEqual(
            s.bad
              ? { free: "reverted", pro: "reverted", enterprise: "untouched" }
              : { free: "passed", pro: "passed", enterprise: "passed" },
          );
          checkOrdering(w, s.bad);
          checkStacksClean(w);
          if (s.bad) expect(w.stack("prod.enterprise").history).toHaveLength(1);
          const steps = w.ledger().map((l) => `${l.event.type}:${l.event.cohort ?? ""}`);
          return { outcome: result, steps };
        })();
        references.set(s.name, outcome);
      }
      return outcome;
    };

    it("uninterrupted runs: a good release reaches every cohort, a bad one is reverted before enterprise", async () => {
      await Promise.all(scenarios.map(reference));
    }, 180_000);

    it("killed after every ledger event (a chain of kill -9s, resumed each time), both releases end as uninterrupted", async () => {
      await Promise.all(
        scenarios.map(async (s) => {
          const { outcome: expected } = await reference(s);
          const w = await world(`${s.name}-chain`, [BAD.version]);
          const first = await w.deploy(s.release, 1);
          expect(first.signal, describeRun(first)).toBe("SIGKILL");
          const { last, kills } = await resumeUntilDone(w, first, afterOneStep);
          expect(last.signal, describeRun(last)).toBeNull();
          expect(outcomeOf(w, last.code), s.name).toEqual(expected);
          checkOrdering(w, s.bad);
          checkStacksClean(w);
          // A kill after every event but the re-recorded ones (see afterOneStep).
          const lines = w.ledger();
          const redone = (type: string, phase?: string) =>
            lines.filter((l) => l.event.type === type && (!phase || l.event.phase === phase))
              .length - (s.bad ? 2 : 3);
          const skipped = redone("applying") + redone("observed", "precheck");
          expect(kills, s.name).toBeGreaterThanOrEqual(lines.length - 1 - skipped);
          console.info(`${s.name}: ${String(kills)} kill -9s over ${String(lines.length)} events`);
          // Nothing applied twice in a way that matters: at most one good r2 update per cohort.
          for (const c of COHORTS) {
            const r2Updates = w
              .stack(`prod.${c}`)
              .history.filter((h) => h.result === "succeeded" && h.message.includes("release=r2"));
            expect(r2Updates.length, `${s.name}: ${c} r2 updates`).toBeLessThanOrEqual(1);
          }
        }),
      );
    }, 480_000);

    it("killed once at chosen boundaries, resumed, ends as uninterrupted", async () => {
      // Right after: an `applying` (the update never ran), a wave passing, the
      // gate failing, and inside the revert.
      const points = [
        { s: scenarios[0], after: "applying:pro" },
        { s: scenarios[0], after: "passed:pro" },
        { s: scenarios[1], after: "failed:pro" },
        { s: scenarios[1], after: "reverting:pro" },
        { s: scenarios[1], after: "reverted:pro" },
      ];
      await pool(
        2,
        points.map(({ s, after }) => async () => {
          const { outcome: expected, steps } = await reference(s);
          const n = steps.indexOf(after) + 1;
          expect(n, `${after} in ${steps.join(" ")}`).toBeGreaterThan(0);
          const w = await world(`${s.name}-${after.replace(":", "-")}-`, [BAD.version]);
          const first = await w.deploy(s.release, n);
          expect(first.signal, describeRun(first)).toBe("SIGKILL");
          const where = `${s.name} killed after #${String(n)} ${after}`;
          checkAfterKill(w, where);
          expect(w.ledger().at(-1)?.event).toMatchObject({
            type: after.split(":")[0],
            cohort: after.split(":")[1],
          });
          const { last } = await resumeUntilDone(w, first, () => undefined);
          expect(last.signal, describeRun(last)).toBeNull();
          expect(outcomeOf(w, last.code), where).toEqual(expected);
          checkOrdering(w, s.bad);
          checkStacksClean(w);
        }),
      );
    }, 420_000);

    it("killed with its pulumi child in the middle of an update (kill -9 to the process group), resumed, ends as uninterrupted", async () => {
      await Promise.all(
        scenarios.map(async (s) => {
          const { outcome: expected } = await reference(s);
          const w = await world(`${s.name}-midup`, [BAD.version]);
          const first = await killMidUpdate(w, s.release, "prod.pro");
          checkAfterKill(w, `${s.name} killed mid-update`);
          // The update was cut off: an operation is pending on pro.
          expect(w.stack("prod.pro").pending.length).toBeGreaterThan(0);
          const { last } = await resumeUntilDone(w, first, () => undefined);
          expect(last.signal, describeRun(last)).toBeNull();
          expect(outcomeOf(w, last.code), s.name).toEqual(expected);
          checkOrdering(w, s.bad);
          checkStacksClean(w);
          for (const c of COHORTS) {
            const r2Updates = w
              .stack(`prod.${c}`)
              .history.filter((h) => h.result === "succeeded" && h.message.includes("release=r2"));
            expect(r2Updates.length, `${s.name}: ${c} r2 updates`).toBeLessThanOrEqual(1);
          }
        }),
      );
    }, 300_000);

    it("a lock left by the killed update stops the resume for a human (exit 3, naming `pulumi cancel`); after it, resume ends as uninterrupted", async () => {
      const s = scenarios[0];
      const { outcome: expected } = await reference(s);
      const w = await world(`${s.name}-lock`, [BAD.version]);
      await killMidUpdate(w, s.release, "prod.pro");
      // Like a DIY backend: the dead update's lock stays until `pulumi cancel`.
      const keepLocks = { env: { FAKE_PULUMI_STALE_LOCKS: "keep" } };
      const blocked = await w.resume(undefined, keepLocks);
      expect(blocked.code, describeRun(blocked)).toBe(3);
      expect(blocked.stderr).toContain("pulumi cancel --stack prod.pro");
      checkAfterKill(w, `${s.name} blocked on a lock`);
      expect(w.ledger().at(-1)?.event).toMatchObject({ type: "blocked", cohort: "pro" });
      // The human runs the named command, then resumes.
      await w.pulumi(["cancel", "--stack", "prod.pro"]);
      const done = await w.resume(undefined, keepLocks);
      expect(done.signal, describeRun(done)).toBeNull();
      expect(outcomeOf(w, done.code)).toEqual(expected);
      checkOrdering(w, s.bad);
      checkStacksClean(w);
    }, 300_000);
  },
);
