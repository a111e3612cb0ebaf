/**
 * Operators from another terminal while `cohort-rollout deploy` runs an update
 * on the REAL Pulumi engine (file backend, the provider-free cohort program,
 * its alarms in moto; the CLI as child processes sharing one file ledger).
 * Each update is held at the program's hold point while the operator acts, so
 * the pause or abort surely lands during the update, however busy the machine.
 *
 * - abort: recorded at once; the running deploy cancels its update (the
 *   Automation API interrupts `pulumi`, which finishes the step in flight),
 *   reverts the cohort and exits 1; no lock, nothing pending.
 * - pause: recorded at once; the update in flight is not cut short (a pause is
 *   not a reason to leave a stack half-updated), the run stops after it with
 *   exit 3, and `resume` finishes the release.
 *
 * Two deploys at once on one environment: test/crash/concurrent-deploys.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pulumiEngineFor } from "../support/engine.js";
import { EngineProject } from "../support/engine-project.js";
import {
  CHAIN_TIMEOUT_MS,
  EngineWorld,
  GOOD,
  PIN_R1,
  SEED_TIMEOUT_MS,
  describeRun,
  pinOf,
} from "../support/engine-world.js";
import { ensureMoto, sharedMoto } from "../support/moto.js";

const engine = pulumiEngineFor("rollout process tests on the real engine");
const moto = await ensureMoto();

/** Resolves once the ledger holds an event of `type`. */
async function untilEvent(w: EngineWorld, type: string, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!w.ledger().some((l) => l.event.type === type)) {
    if (Date.now() > until) throw new Error(`no ${type} event in the ledger`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!engine || !moto.available)(
  `operators from another terminal, real Pulumi engine ${engine?.version ?? ""} ${moto.reason ?? ""}`,
  () => {
    let template: EngineWorld;
    beforeAll(async () => {
      template = await EngineWorld.seed(engine!, (await sharedMoto()).endpoint, "processes", [
        "free",
      ]);
    }, SEED_TIMEOUT_MS);
    afterAll(() => EngineProject.cleanUp());

    it.concurrent(
      "abort during an update: the update is cancelled, the cohort reverted, exit 1",
      async () => {
        const w = await template.clone("abort", (await sharedMoto()).endpoint);
        w.hold("prod.free");
        const running = w.deploy(GOOD);
        try {
          await w.reached("prod.free");
          const abort = await w.cli(["abort", "--environment", "prod"]);
          expect(abort.code, describeRun(abort)).toBe(0);
          expect(abort.stderr).toContain("abort of r2 recorded");
          // The runner sees the abort within a poll interval and interrupts its `pulumi`.
          await untilEvent(w, "abort-requested");
          expect(w.ledger().at(-1)?.event.type).toBe("abort-requested");
        } finally {
          // SIGINT lets the step in flight finish: let it.
          w.release("prod.free");
        }
        const run = await running;
        expect(run.code, describeRun(run)).toBe(1);
        expect(run.stderr).toContain("cancelling the update of prod.free");
        const types = w.ledger().map((l) => l.event.type);
        expect(types.slice(-4)).toEqual(["failed", "reverting", "reverted", "aborted"]);
        expect(w.ledger().find((l) => l.event.type === "failed")?.event).toMatchObject({
          cause: "cancelled",
        });
        expect(w.pin("free")).toEqual(PIN_R1);
        expect(w.deployedVersion("free")).toBe(PIN_R1.version);
        expect(w.locks()).toEqual([]);
        expect((await w.project.exported("prod.free")).pending).toEqual([]);
        expect(w.leftovers()).toEqual([]);
      },
      CHAIN_TIMEOUT_MS,
    );

    it.concurrent(
      "pause during an update: the update finishes, the run stops with exit 3, resume completes",
      async () => {
        const w = await template.clone("pause", (await sharedMoto()).endpoint);
        w.hold("prod.free");
        const running = w.deploy(GOOD);
        try {
          await w.reached("prod.free");
          const pause = await w.cli(["pause", "--environment", "prod"]);
          expect(pause.code, describeRun(pause)).toBe(0);
          expect(pause.stderr).toContain("release r2 paused");
        } finally {
          w.release("prod.free");
        }
        const run = await running;
        expect(run.code, describeRun(run)).toBe(3);
        const types = w.ledger().map((l) => l.event.type);
        // The update was not cut short: it is recorded as applied, and nothing after it.
        expect(types.slice(-2)).toEqual(["paused", "applied"]);
        expect(w.deployedVersion("free")).toBe(GOOD.version);

        const resumed = await w.resume();
        expect(resumed.code, describeRun(resumed)).toBe(0);
        expect(w.ledger().at(-1)?.event.type).toBe("completed");
        expect(w.pin("free")).toEqual(pinOf(GOOD));
        expect(w.locks()).toEqual([]);
        expect(w.leftovers()).toEqual([]);
      },
      CHAIN_TIMEOUT_MS,
    );
  },
);
