/**
 * Contract suite: the specification of `StackDriver` (stacks/rollout/core/ports.ts)
 * on the REAL Pulumi engine — the CLI, its Node language host and the dynamic
 * provider plugin — with a file backend, driving the provider-free cohort
 * program (test/support/engine-program). What the rollout relies on is proved
 * here: apply, preview, revert, refresh, the last good update, updates told
 * apart without version numbers, interrupted updates, locks and pending
 * operations left by a killed `pulumi`, and its orphaned plugins.
 *
 * The engine comes from scripts/ensure-pulumi.sh. Without it the suite skips
 * loudly; with CI=true it fails instead (test/support/engine.ts).
 */
import { afterAll, describe, expect, it } from "vitest";
import { AutomationDriver } from "../../stacks/rollout/adapters/automation-driver.js";
import { dataLossChanges } from "../../stacks/rollout/core/data-loss.js";
import type { Release } from "../../stacks/rollout/core/ports.js";
import { isUpdateOfRelease, sameUpdate } from "../../stacks/rollout/core/update-identity.js";
import { pulumiEngineFor } from "../support/engine.js";
import { EngineProject, PROJECT } from "../support/engine-project.js";

const engine = pulumiEngineFor(
  "Pulumi engine contract suite (test/adapters/pulumi-contract.test.ts)",
);

const r = (id: string, version: string, config: Record<string, string> = {}): Release => ({
  id,
  version,
  config,
});
const PIN_R1 = { release: "r1", version: "1.0.0", config: { LOG: "info" } };
const MINUTES = 60_000;

describe.skipIf(!engine)(`StackDriver on the real Pulumi engine ${engine?.version ?? ""}`, () => {
  afterAll(() => EngineProject.cleanUp());
  const project = new EngineProject(engine!, "contract");
  // The lease-holding configuration the CLI uses, and the cautious default.
  const driver = new AutomationDriver(project.driverOptions({ deadLocks: "cancel" }));
  const cautious = new AutomationDriver(project.driverOptions());

  it(
    "a never-deployed stack has no pin, no good update and no outputs",
    async () => {
      expect(await driver.readPin("prod.none")).toBeUndefined();
      expect(await driver.lastGoodUpdate("prod.none")).toBeUndefined();
      expect(await driver.outputs("prod.none")).toEqual({});
    },
    5 * MINUTES,
  );

  it(
    "applies, previews without changing the pin, reverts and refreshes; updates are told apart without versions",
    async () => {
      const stack = "prod.free";
      await project.seedCohort(stack, "free", PIN_R1);
      const seeded = await driver.lastGoodUpdate(stack);
      // The file backend numbers every update 0: the release marker and the times identify it.
      expect(seeded).toMatchObject({ version: 0, release: "r1", result: "succeeded" });
      expect(seeded?.startTime).toMatch(/^\d{4}-/);

      const preview = await driver.preview(stack, r("r2", "2.0.0", { LOG: "debug" }));
      expect(preview.changes).toContainEqual(
        expect.objectContaining({ op: "update", type: "pulumi-nodejs:dynamic/compute:Service" }),
      );
      expect(dataLossChanges(preview)).toEqual([]);
      expect(await driver.readPin(stack)).toEqual(PIN_R1);

      const applied = await driver.apply(stack, r("r2", "2.0.0", { LOG: "debug" }));
      expect(applied).toEqual({ ok: true });
      expect(await driver.readPin(stack)).toEqual({
        release: "r2",
        version: "2.0.0",
        config: { LOG: "debug" },
      });
      const outputs = (await driver.outputs(stack)) as {
        cohorts: Record<string, { pin: unknown; alarmNames: string[] }>;
      };
      expect(outputs.cohorts.free?.pin).toEqual({
        release: "r2",
        version: "2.0.0",
        config: { LOG: "debug" },
      });
      expect(outputs.cohorts.free?.alarmNames).toEqual(["free-5xx", "free-health"]);

      const latest = await driver.lastGoodUpdate(stack);
      expect(latest?.version).toBe(0);
      expect(sameUpdate(latest, seeded)).toBe(false);
      expect(isUpdateOfRelease(latest, "r2", seeded)).toBe(true);
      expect(isUpdateOfRelease(seeded, "r2", seeded)).toBe(false);

      const reverted = await driver.revert(stack, seeded!);
      expect(reverted.ok).toBe(true);
      expect(await driver.readPin(stack)).toEqual(PIN_R1);
      const afterRevert = await driver.lastGoodUpdate(stack);
      expect(afterRevert?.release).toBe(
        `revert-to-r1@${seeded!.startTime!.replace(/\.000Z$/, "Z")}`,
      );

      expect((await driver.refresh(stack)).ok).toBe(true);
      // A refresh is not an update: the last good update is still the revert.
      expect(sameUpdate(await driver.lastGoodUpdate(stack), afterRevert)).toBe(true);
      // Nothing leaked or duplicated: one storage and one service object in the "cloud".
      expect(project.cloud()).toEqual(["prod.free-data-g1", "prod.free-service"]);
    },
    10 * MINUTES,
  );

  it(
    "a release that replaces storage shows up as data loss in the preview",
    async () => {
      const preview = await driver.preview(
        "prod.free",
        r("r3", "3.0.0", { STORAGE_GENERATION: "g2" }),
      );
      expect(dataLossChanges(preview).map((c) => `${c.op} ${c.type}`)).toContain(
        "replace pulumi-nodejs:dynamic/storage:Table",
      );
    },
    5 * MINUTES,
  );

  it(
    "after kill -9 of pulumi mid-update: locked for a cautious driver; a lease holder kills the orphans, cancels the dead lock, refreshes and applies",
    async () => {
      const stack = "prod.pro";
      await project.seedCohort(stack, "pro", PIN_R1);
      await project.pulumi([
        "config",
        "set",
        "--stack",
        stack,
        `${PROJECT}:pin`,
        JSON.stringify({ ...PIN_R1, version: "1.5.0" }),
      ]);
      project.hold(stack, "service-update");
      const up = project.start(["up", "--yes", "--skip-preview", "--stack", stack], {
        COHORT_TEST_OWNER: `${project.dir}:${stack}`,
      });
      await project.reached(stack, "service-update");
      process.kill(up.pid, "SIGKILL");
      await up.done;
      project.release(stack, "service-update");
      // What the real CLI leaves: a lock, a pending update, its plugins running.
      expect(project.locks(stack)).toHaveLength(1);
      expect((await project.exported(stack)).pending.map((p) => p.type)).toEqual(["updating"]);
      expect(project.pulumiProcesses(stack).length).toBeGreaterThan(0);

      const blocked = await cautious.apply(stack, r("r2", "2.0.0"));
      expect(blocked).toMatchObject({ ok: false, locked: true });
      expect(blocked.error).toMatch(/currently locked/);

      const progress: string[] = [];
      const applied = await driver.apply(stack, r("r2", "2.0.0"), (l) => progress.push(l));
      expect(applied).toEqual({ ok: true });
      expect(progress.some((l) => /lock is held by a dead pulumi/.test(l))).toBe(true);
      expect(project.locks(stack)).toEqual([]);
      expect((await project.exported(stack)).pending).toEqual([]);
      expect(await driver.readPin(stack)).toMatchObject({ release: "r2", version: "2.0.0" });
    },
    10 * MINUTES,
  );

  it(
    "never cancels the lock of a pulumi that still runs",
    async () => {
      const stack = "prod.pro";
      project.resetMarker(stack, "service-update");
      project.hold(stack, "service-update");
      await project.pulumi([
        "config",
        "set",
        "--stack",
        stack,
        `${PROJECT}:pin`,
        JSON.stringify({ ...PIN_R1, version: "2.5.0" }),
      ]);
      const up = project.start(["up", "--yes", "--skip-preview", "--stack", stack]);
      try {
        await project.reached(stack, "service-update");
        const result = await driver.apply(stack, r("r4", "4.0.0"));
        expect(result).toMatchObject({ ok: false, locked: true });
        expect(project.locks(stack)).toHaveLength(1);
      } finally {
        project.release(stack, "service-update");
      }
      const finished = await up.done;
      expect(finished.code).toBe(0);
      expect(project.locks(stack)).toEqual([]);
    },
    10 * MINUTES,
  );

  it(
    "a pending create outside storage is cleared with a refresh, and the deterministic name means no duplicate",
    async () => {
      const stack = "prod.team";
      await project.pulumi(["stack", "init", stack]);
      await project.pulumi([
        "config",
        "set-all",
        "--stack",
        stack,
        "--plaintext",
        `${PROJECT}:cohort=team`,
        "--plaintext",
        `${PROJECT}:pin=${JSON.stringify(PIN_R1)}`,
      ]);
      project.hold(stack, "service-create");
      const up = project.start(["up", "--yes", "--skip-preview", "--stack", stack]);
      await project.reached(stack, "service-create");
      process.kill(up.pid, "SIGKILL");
      await up.done;
      project.release(stack, "service-create");
      expect((await project.exported(stack)).pending.map((p) => p.type)).toEqual(["creating"]);

      const progress: string[] = [];
      const applied = await driver.apply(stack, r("r2", "2.0.0"), (l) => progress.push(l));
      expect(applied).toEqual({ ok: true });
      expect(
        progress.some((l) => /clearing pending creates \(urn:pulumi:prod\.team::/.test(l)),
      ).toBe(true);
      const state = await project.exported(stack);
      expect(state.pending).toEqual([]);
      expect(state.resources.filter((res) => res.type.endsWith(":Service")).length).toBe(1);
      expect(project.cloud().filter((name) => name.startsWith("prod.team-"))).toEqual([
        "prod.team-data-g1",
        "prod.team-service",
      ]);
      expect(project.pulumiProcesses(stack)).toEqual([]);
    },
    10 * MINUTES,
  );

  it(
    "a pending create of storage stops every update with the exact commands, touching nothing",
    async () => {
      const stack = "prod.vault";
      await project.pulumi(["stack", "init", stack]);
      await project.pulumi([
        "config",
        "set-all",
        "--stack",
        stack,
        "--plaintext",
        `${PROJECT}:cohort=vault`,
        "--plaintext",
        `${PROJECT}:pin=${JSON.stringify(PIN_R1)}`,
      ]);
      project.hold(stack, "storage-create");
      const up = project.start(["up", "--yes", "--skip-preview", "--stack", stack]);
      await project.reached(stack, "storage-create");
      process.kill(up.pid, "SIGKILL");
      await up.done;
      project.release(stack, "storage-create");

      const applied = await driver.apply(stack, r("r2", "2.0.0"));
      expect(applied.ok).toBe(false);
      expect(applied.error).toContain(
        `pulumi refresh --stack ${stack} --import-pending-creates urn:pulumi:${stack}::${PROJECT}::pulumi-nodejs:dynamic/storage:Table::vault-data --import-pending-creates <id>`,
      );
      const refreshed = await driver.refresh(stack);
      expect(refreshed.ok).toBe(false);
      expect((await project.exported(stack)).pending.map((p) => p.type)).toEqual(["creating"]);
      // The commands it names work: the operator adopts the table that exists.
      await project.pulumi([
        "refresh",
        "--yes",
        "--skip-preview",
        "--stack",
        stack,
        "--import-pending-creates",
        `urn:pulumi:${stack}::${PROJECT}::pulumi-nodejs:dynamic/storage:Table::vault-data`,
        "--import-pending-creates",
        "prod.vault-data-g1",
      ]);
      expect(await driver.apply(stack, r("r2", "2.0.0"))).toEqual({ ok: true });
      expect(project.cloud().filter((name) => name.startsWith("prod.vault-"))).toEqual([
        "prod.vault-data-g1",
        "prod.vault-service",
      ]);
    },
    10 * MINUTES,
  );

  it(
    "an update cancelled through its AbortSignal ends with no lock and nothing pending",
    async () => {
      const stack = "prod.free";
      project.resetMarker(stack, "service-update");
      project.hold(stack, "service-update");
      const controller = new AbortController();
      const applying = driver.apply(stack, r("r5", "5.0.0"), undefined, controller.signal);
      await project.reached(stack, "service-update");
      controller.abort(new Error("operator abort"));
      // SIGINT lets the step in flight finish: release it.
      project.release(stack, "service-update");
      const result = await applying;
      expect(result.ok).toBe(false);
      expect(project.locks(stack)).toEqual([]);
      expect((await project.exported(stack)).pending).toEqual([]);
    },
    10 * MINUTES,
  );
});
