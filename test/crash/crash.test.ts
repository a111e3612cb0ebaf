/**
 * Crash safety of `cohort-rollout` on the REAL Pulumi engine: the CLI
 * (stacks/rollout/cli/main.ts) as a child process, the Pulumi CLI with its Node
 * language host and dynamic-provider plugin on a file backend, the
 * provider-free cohort program (test/support/engine-program), its alarms in
 * moto. Two cohorts (prod: free, then pro), every stack on r1.
 *
 * Every kill is forced, never timed: COHORT_ROLLOUT_CRASH_AFTER=<n> or
 * <event>:<cohort> makes the CLI SIGKILL itself right after that durable
 * ledger append; a hold marker stops the program's provider inside a step
 * (queue-create, service-update) so the test kills the CLI's process group
 * (the CLI and its `pulumi`) while the engine is mid-create or mid-update.
 *
 * Four chains of kills, run side by side (each in a world of its own), each resumed until the release ends, compared with
 * what an uninterrupted run of the release gives (both pins, the terminal
 * event, the exit code):
 *
 *   good  r2 2.0.0 (adds a queue to each cohort)
 *     kill -9 after `planned` -> kill -9 of CLI+pulumi mid-create of free's queue
 *     -> kill -9 after `applied:free` (during its bake) -> kill -9 of CLI+pulumi
 *     mid-update of pro -> resume: completed, both on r2, exit 0
 *   bad   r2 2.0.0-bad (its version fires pro's alarms)
 *     kill -9 after `applying:pro` (its update recorded, not run) -> kill -9 after
 *     `failed:pro` -> a colleague's live `pulumi up` holds pro's lock: resume
 *     reverts free anyway (killed after `reverting:free`, resumed), retries pro
 *     and reports it (exit 3), never cancelling the live lock -> the colleague
 *     finishes -> the printed recovery command, then resume: release-failed,
 *     both on r1, exit 1
 *   bad   again, the kills inside a revert
 *     kill -9 after `reverting:pro` (recorded, not run) -> resume: its `pulumi` alone
 *     killed mid-revert of pro (the CLI lives, records revert-failed, reverts free
 *     meanwhile, retries pro past the dead lock) -> CLI and `pulumi` killed
 *     mid-retry -> resume: release-failed, both on r1, exit 1
 *
 *   bad   once more, killed at every step boundary in turn (after planned,
 *     applying, applied, passed, failed, reverting, reverted of each cohort, and
 *     release-failed), resumed each time: release-failed, both on r1, exit 1
 *
 * After the last run of a chain: no lock, no pending operation, no process of
 * the world left running (language hosts, plugins), and each physical resource
 * exactly once in the "cloud" and in the state (no duplicate, nothing dropped).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pulumiEngineFor } from "../support/engine.js";
import { EngineProject } from "../support/engine-project.js";
import {
  BAD,
  CHAIN_TIMEOUT_MS,
  SEED_TIMEOUT_MS,
  EngineWorld,
  GOOD,
  PIN_R1,
  PROJECT,
  describeRun,
  pinOf,
  type CliRun,
  type CohortName,
  type ReleaseInput,
} from "../support/engine-world.js";
import { ensureMoto, sharedMoto } from "../support/moto.js";

const COHORTS: CohortName[] = ["free", "pro"];
/** The good release adds a queue to each cohort: its create is where a `pulumi` is killed. */
const GOOD_Q: ReleaseInput = { ...GOOD, config: { ...GOOD.config, QUEUE: "on" } };

const engine = pulumiEngineFor("crash suite on the real engine (test/crash/crash.test.ts)");
const moto = await ensureMoto();

/** Kills the process group of a run once `stack` reached `step`; returns the killed run. */
async function killGroupAt(
  w: EngineWorld,
  stack: string,
  step: "queue-create" | "service-update",
): Promise<CliRun> {
  w.hold(stack, step);
  let pid: number | undefined;
  const running = w.resume(undefined, { onStart: (p) => (pid = p) });
  try {
    await w.reached(stack, step);
    // The CLI and its `pulumi` share the group the test started; the language host and
    // plugins run in groups of their own, so they survive, as after a real crash.
    process.kill(-(pid ?? 0), "SIGKILL");
  } finally {
    w.release(stack, step);
  }
  const run = await running;
  expect(run.signal, describeRun(run)).toBe("SIGKILL");
  return run;
}

/** What an uninterrupted run ends with: the terminal event, each cohort's pin and running version. */
function expectOutcome(w: EngineWorld, last: CliRun, release: ReleaseInput, good: boolean): void {
  expect(last.signal, describeRun(last)).toBeNull();
  expect(last.code, describeRun(last)).toBe(good ? 0 : 1);
  const events = w.ledger().map((l) => l.event);
  expect(events.at(-1)?.type).toBe(good ? "completed" : "release-failed");
  const pin = good ? pinOf(release) : PIN_R1;
  for (const c of COHORTS) {
    expect(w.pin(c), c).toEqual(pin);
    expect(w.deployedVersion(c), c).toBe(pin.version);
  }
  const seqs = w.ledger().map((l) => l.seq);
  expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  // No wave skipped: pro was applied only after free passed.
  const passedFree = events.findIndex((e) => e.type === "passed" && e.cohort === "free");
  const applyingPro = events.findIndex((e) => e.type === "applying" && e.cohort === "pro");
  expect(passedFree).toBeGreaterThan(-1);
  expect(applyingPro).toBeGreaterThan(passedFree);
}

/** Nothing left behind: locks, pending operations, processes; each resource once. */
async function expectClean(w: EngineWorld, queue: boolean): Promise<void> {
  expect(w.locks()).toEqual([]);
  expect(w.leftovers()).toEqual([]);
  for (const c of COHORTS) {
    const stack = `prod.${c}`;
    const state = await w.project.exported(stack);
    expect(state.pending, stack).toEqual([]);
    const custom = state.resources
      .filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"))
      .map((r) => r.type.split(":").at(-1))
      .sort();
    expect(custom, stack).toEqual(queue ? ["Queue", "Service", "Table"] : ["Service", "Table"]);
  }
  const expected = COHORTS.flatMap((c) => [
    `prod.${c}-data-g1`,
    ...(queue ? [`prod.${c}-queue`] : []),
    `prod.${c}-service`,
  ]);
  expect(w.project.cloud().filter((n) => !n.startsWith("prod-"))).toEqual(expected.sort());
}

describe.skipIf(!engine || !moto.available)(
  `kill -9 on the real Pulumi engine ${engine?.version ?? ""} ${moto.reason ?? ""}`,
  () => {
    let template: EngineWorld;
    beforeAll(async () => {
      template = await EngineWorld.seed(engine!, (await sharedMoto()).endpoint, "crash", COHORTS);
    }, SEED_TIMEOUT_MS);
    afterAll(() => EngineProject.cleanUp());

    it.concurrent(
      "good release: killed after planned, mid-create (pulumi too), in a bake and mid-update (pulumi too), resumed: completed as uninterrupted",
      async () => {
        const w = await template.clone("crash-good", (await sharedMoto()).endpoint);
        const planned = await w.deploy(GOOD_Q, 1);
        expect(planned.signal, describeRun(planned)).toBe("SIGKILL");
        expect(w.ledger().map((l) => l.event.type)).toEqual(["planned"]);

        await killGroupAt(w, "prod.free", "queue-create");
        // What the real CLI leaves: its lock, a pending create, free's config on the new pin.
        expect(w.project.locks("prod.free")).toHaveLength(1);
        // (The service's update runs beside the create: it may be pending too.)
        expect((await w.project.exported("prod.free")).pending).toContainEqual({
          type: "creating",
          urn: `urn:pulumi:prod.free::${PROJECT}::pulumi-nodejs:dynamic/messaging:Queue::free-queue`,
        });

        // Resumed: the dead lock cancelled, the pending create cleared after a refresh (the
        // queue's name is deterministic), the update run again; killed during free's bake.
        const baking = await w.resume("applied:free");
        expect(baking.signal, describeRun(baking)).toBe("SIGKILL");
        expect(w.ledger().at(-1)?.event).toMatchObject({ type: "applied", cohort: "free" });
        expect(baking.stderr).toMatch(/prod\.free: its lock is held by a dead pulumi/);
        expect(baking.stderr).toMatch(/clearing pending creates \(urn:pulumi:prod\.free::/);
        expect(w.project.locks("prod.free")).toEqual([]);

        await killGroupAt(w, "prod.pro", "service-update");
        expect(w.project.locks("prod.pro")).toHaveLength(1);
        expect((await w.project.exported("prod.pro")).pending.map((p) => p.type)).toEqual([
          "updating",
        ]);

        const done = await w.resume();
        expectOutcome(w, done, GOOD_Q, true);
        await expectClean(w, true);
        // Each cohort's release update succeeded once: the one cut off never counted as done.
        for (const c of COHORTS) {
          const r2 = (await w.history(`prod.${c}`)).filter(
            (h) => h.result === "succeeded" && h.message.includes("release=r2"),
          );
          expect(r2, c).toHaveLength(1);
        }
      },
      CHAIN_TIMEOUT_MS,
    );

    it.concurrent(
      "bad release: killed after applying and after the gate failed; a live lock on pro never cancelled while free is reverted (killed mid-revert); pro retried, reported, recovered: failed as uninterrupted",
      async () => {
        const w = await template.clone("crash-bad", (await sharedMoto()).endpoint);
        const applying = await w.deploy(BAD, "applying:pro");
        expect(applying.signal, describeRun(applying)).toBe("SIGKILL");
        expect(w.pin("pro")).toEqual(PIN_R1); // recorded, not yet run

        const failed = await w.resume("failed:pro");
        expect(failed.signal, describeRun(failed)).toBe("SIGKILL");
        expect(w.pin("pro")).toEqual(pinOf(BAD));

        // A colleague's `pulumi up` of pro, alive and holding pro's lock.
        await w.project.pulumi([
          "config",
          "set",
          "--stack",
          "prod.pro",
          `${PROJECT}:pin`,
          JSON.stringify({ ...pinOf(BAD), config: { ...BAD.config, HOTFIX: "1" } }),
        ]);
        w.project.resetMarker("prod.pro", "service-update");
        w.hold("prod.pro", "service-update");
        const colleague = w.project.start(["up", "--yes", "--skip-preview", "--stack", "prod.pro"]);
        let held = true;
        try {
          await w.reached("prod.pro", "service-update");
          const lock = w.project.locks("prod.pro");
          expect(lock).toHaveLength(1);

          // Pro's revert is refused by the live lock; free's revert goes on (killed mid-way).
          const midRevert = await w.resume("reverting:free");
          expect(midRevert.signal, describeRun(midRevert)).toBe("SIGKILL");
          const types = w.ledger().map((l) => `${l.event.type}:${l.event.cohort ?? ""}`);
          expect(types.slice(-3)).toEqual(["reverting:pro", "revert-failed:pro", "reverting:free"]);

          const stuck = await w.resume();
          expect(stuck.code, describeRun(stuck)).toBe(3);
          expect(stuck.stderr).toMatch(/revert of pro failed 3 time\(s\)/);
          expect(stuck.stderr).toContain("currently locked");
          expect(stuck.stderr).toMatch(
            /recover with: npx cohort-rollout revert --environment prod --cohort pro --release r2 /,
          );
          expect(w.pin("free")).toEqual(PIN_R1);
          expect(w.deployedVersion("free")).toBe(PIN_R1.version);
          // The live update's lock is the one it took: never cancelled.
          expect(w.project.locks("prod.pro")).toEqual(lock);
          expect(process.kill(colleague.pid, 0)).toBe(true);
        } finally {
          w.release("prod.pro", "service-update");
          held = false;
        }
        expect(held).toBe(false);
        expect((await colleague.done).code).toBe(0);

        // The human runs the command the run printed, then resumes.
        const recover = /recover with: (?:npx )?cohort-rollout (revert [^;\n]*)/.exec(
          w.runs.at(-1)?.stderr ?? "",
        )?.[1];
        expect(recover, w.runs.at(-1)?.stderr).toBeDefined();
        const reverted = await w.cli(dropProjectDir((recover ?? "").split(/\s+/).filter(Boolean)));
        expect(reverted.signal, describeRun(reverted)).toBeNull();
        const done = await w.resume();
        expectOutcome(w, done, BAD, false);
        await expectClean(w, false);
        const reverts = w.ledger().filter((l) => l.event.type === "reverted");
        expect(reverts.map((l) => l.event.cohort)).toEqual(["free", "pro"]);
      },
      CHAIN_TIMEOUT_MS,
    );

    it.concurrent(
      "bad release: killed after reverting:pro (before its revert ran); its pulumi killed mid-revert (the live CLI retries), then CLI and pulumi killed mid-retry; resumed: failed as uninterrupted",
      async () => {
        const w = await template.clone("crash-revert", (await sharedMoto()).endpoint);
        const recorded = await w.deploy(BAD, "reverting:pro");
        expect(recorded.signal, describeRun(recorded)).toBe("SIGKILL");
        // Recorded, not yet run: pro still runs the bad release.
        expect(w.deployedVersion("pro")).toBe(BAD.version);

        w.project.resetMarker("prod.pro", "service-update");
        w.hold("prod.pro", "service-update");
        let pid: number | undefined;
        const running = w.resume(undefined, { onStart: (p) => (pid = p) });
        try {
          await w.reached("prod.pro", "service-update");
          const [child, ...more] = w.pulumiOf("prod.pro");
          expect(more).toEqual([]);
          // Forgotten before the kill: only the retry's update can write the marker again.
          w.project.resetMarker("prod.pro", "service-update");
          process.kill(child ?? 0, "SIGKILL");
          // The CLI lives on: the revert fails and is recorded; free's revert is not held back
          // by it; pro's is retried past the dead `pulumi`'s lock and pending update, and the
          // retry's update reaches the hold point again.
          await w.reached("prod.pro", "service-update");
          const tail = w.ledger().map((l) => `${l.event.type}:${l.event.cohort ?? ""}`);
          expect(tail.slice(-4)).toEqual([
            "revert-failed:pro",
            "reverting:free",
            "reverted:free",
            "reverting:pro",
          ]);
          expect(w.deployedVersion("free")).toBe(PIN_R1.version);
          expect(w.project.locks("prod.pro")).toHaveLength(1);
          process.kill(-(pid ?? 0), "SIGKILL");
        } finally {
          w.release("prod.pro", "service-update");
        }
        const killed = await running;
        expect(killed.signal, describeRun(killed)).toBe("SIGKILL");
        expect(killed.stderr).toMatch(/prod\.pro: its lock is held by a dead pulumi/);

        const done = await w.resume();
        expect(done.stderr).toMatch(/prod\.pro: its lock is held by a dead pulumi/);
        expectOutcome(w, done, BAD, false);
        await expectClean(w, false);
        const reverts = w.ledger().filter((l) => l.event.type === "reverted");
        expect(reverts.map((l) => l.event.cohort)).toEqual(["free", "pro"]);
        // One revert of pro got through; the two cut off never counted as done.
        const proReverts = (await w.history("prod.pro")).filter(
          (h) => h.result === "succeeded" && h.message.includes("release=revert-to-"),
        );
        expect(proReverts).toHaveLength(1);
      },
      CHAIN_TIMEOUT_MS,
    );

    it.concurrent(
      "bad release: killed at every step boundary in turn (planned, applying, applied, passed, failed, reverting, reverted, release-failed), resumed each time: failed as uninterrupted",
      async () => {
        const w = await template.clone("crash-every", (await sharedMoto()).endpoint);
        // The boundaries of an uninterrupted bad release, in order; each run dies at the next.
        // (A numbered point would not walk them: a resume records a fresh precheck read first.)
        const boundaries = [
          "applying:free",
          "applied:free",
          "passed:free",
          "applying:pro",
          "applied:pro",
          "failed:pro",
          "reverting:pro",
          "reverted:pro",
          "reverting:free",
          "reverted:free",
        ];
        const planned = await w.deploy(BAD, 1);
        expect(planned.signal, describeRun(planned)).toBe("SIGKILL");
        expect(w.ledger().at(-1)?.event.type).toBe("planned");
        for (const boundary of boundaries) {
          const run = await w.resume(boundary);
          expect(run.signal, `${boundary}: ${describeRun(run)}`).toBe("SIGKILL");
          const last = w.ledger().at(-1)?.event;
          expect(`${last?.type ?? "?"}:${last?.cohort ?? ""}`).toBe(boundary);
          // At every boundary each cohort runs the release or r1, never an unknown version.
          for (const c of COHORTS)
            expect([PIN_R1.version, BAD.version], `${c} at ${boundary}`).toContain(
              w.deployedVersion(c),
            );
        }
        // The last append of the release: killed after it, then a resume finds it ended.
        const ended = await w.resume(1);
        expect(ended.signal, describeRun(ended)).toBe("SIGKILL");
        expect(w.ledger().at(-1)?.event.type).toBe("release-failed");
        const done = await w.resume();
        expectOutcome(w, done, BAD, false);
        await expectClean(w, false);
        const reverts = w.ledger().filter((l) => l.event.type === "reverted");
        expect(reverts.map((l) => l.event.cohort)).toEqual(["pro", "free"]);
      },
      CHAIN_TIMEOUT_MS,
    );
  },
);

/** The printed command without its `--project-dir <dir>` (the world adds its own). */
function dropProjectDir(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--project-dir") i++;
    else out.push(args[i] ?? "");
  }
  return out;
}
