/**
 * Ctrl-C on a real `cohort-rollout run` process, on the REAL Pulumi engine (file backend, the
 * provider-free cohort program, its alarms in moto; test/support/engine-world.ts): two
 * releases in a one-cohort train, SIGINT sent to the controller while r1's update of free is
 * in flight — the point forced by the ledger (`applying` recorded) and the program's hold
 * marker (the engine is inside the update), never by a sleep. The run stops with exit 3 and
 * the exact command to continue, records no failure and holds nothing, releases its lease;
 * running that command finishes both releases (exit 0). A second SIGINT while the cancelled
 * update still runs leaves at once (exit 3); the next `run` takes the dead process's lease
 * over at once and finishes the train.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT, pulumiEngineFor } from "../../support/engine.js";
import { EngineProject } from "../../support/engine-project.js";
import {
  CHAIN_TIMEOUT_MS,
  CLI,
  EngineWorld,
  SEED_TIMEOUT_MS,
  describeRun,
} from "../../support/engine-world.js";
import { ensureMoto, sharedMoto } from "../../support/moto.js";

const engine = pulumiEngineFor("train run SIGINT on the real engine");
const moto = await ensureMoto();

/** A CLI child whose stderr the test can wait on while it runs. */
interface Live {
  child: ChildProcess;
  stderr: () => string;
  /** Resolves once stderr matches `re` (rejects if the process ends first). */
  waitFor(re: RegExp): Promise<void>;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

function start(w: EngineWorld, args: string[]): Live {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", CLI, ...args, "--project-dir", w.project.projectDir],
    { cwd: PROJECT_ROOT, env: w.env, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  const waiters: { re: RegExp; resolve: () => void; reject: (e: Error) => void }[] = [];
  const check = (): void => {
    for (const w of waiters.splice(0))
      if (w.re.test(stderr)) w.resolve();
      else waiters.push(w);
  };
  child.stdout?.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on("data", (c: Buffer) => {
    stderr += c.toString();
    check();
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code) => {
      for (const w of waiters.splice(0))
        w.reject(new Error(`exited (${String(code)}) before ${String(w.re)}:\n${stderr}`));
      resolve({ code, stdout, stderr });
    }),
  );
  return {
    child,
    stderr: () => stderr,
    waitFor: (re) =>
      new Promise<void>((resolve, reject) => {
        waiters.push({ re, resolve, reject });
        check();
      }),
    done,
  };
}

/** Resolves once the ledger holds an event matching `pred` (a forced point, not a sleep). */
async function untilEvent(
  w: EngineWorld,
  pred: (e: { type: string; release: string; cohort?: string }) => boolean,
): Promise<void> {
  const until = Date.now() + 300_000;
  while (!w.ledger().some((l) => pred(l.event))) {
    if (Date.now() > until) throw new Error("the event never came");
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A one-cohort train file in the world's project, and r1 then r2 submitted to it. */
async function submitTwo(w: EngineWorld): Promise<void> {
  const trainFile = join(w.project.projectDir, "train.json");
  writeFileSync(
    trainFile,
    JSON.stringify({
      waves: [
        {
          index: 0,
          cohorts: [
            { cohort: "free", stack: "prod.free", bakeMs: 300, alarmNames: ["free-health"] },
          ],
        },
      ],
      policy: { order: "queue", pollIntervalMs: 100 },
    }),
  );
  for (const [id, version] of [
    ["r1", "2.0.0"],
    ["r2", "2.0.1"],
  ] as const) {
    const sub = await w.cli([
      "submit",
      "--environment",
      "prod",
      "--train",
      trainFile,
      "--release",
      id,
      "--version",
      version,
    ]);
    expect(sub.code, describeRun(sub)).toBe(0);
  }
}

describe.skipIf(!engine || !moto.available)(
  `Ctrl-C on cohort-rollout run, real Pulumi engine ${engine?.version ?? ""} ${moto.reason ?? ""}`,
  () => {
    let template: EngineWorld;
    beforeAll(async () => {
      template = await EngineWorld.seed(engine!, (await sharedMoto()).endpoint, "train-sigint", [
        "free",
      ]);
    }, SEED_TIMEOUT_MS);
    afterAll(() => EngineProject.cleanUp());

    it(
      "SIGINT mid-update: exit 3 with the command to continue, no failure recorded, and that command finishes the train",
      async () => {
        const w = await template.clone("sigint", (await sharedMoto()).endpoint);
        await submitTwo(w);

        w.hold("prod.free");
        const run = start(w, ["run", "--environment", "prod"]);
        try {
          // The forced point: r1's update of free recorded as started, and the engine inside it.
          await untilEvent(w, (e) => e.type === "applying" && e.release === "r1");
          await w.reached("prod.free");
          run.child.kill("SIGINT");
          // The controller has sent its `pulumi` the cancel (logged after it is sent).
          await run.waitFor(/stopping \(interrupted by SIGINT\): cancelled r1\/free/);
        } finally {
          // Pulumi finishes the step in flight on a cancel: let it.
          w.release("prod.free");
        }
        const stopped = await run.done;
        const show = `exit ${String(stopped.code)}\n${stopped.stdout}\n${stopped.stderr}`;
        expect(stopped.code, show).toBe(3);
        expect(stopped.stdout, show).toContain("train interrupted: interrupted by SIGINT");
        expect(stopped.stdout, show).toMatch(
          /continue with: npx cohort-rollout run --environment prod\b/,
        );
        const types = w.ledger().map((l) => l.event.type);
        expect(types, show).not.toContain("failed");
        expect(types, show).not.toContain("train-held");
        expect(types, show).not.toContain("train-finished");
        // What actually happened: the update cut short stays open for the next controller.
        expect(w.ledger().at(-1)?.event, show).toMatchObject({ type: "applying", release: "r1" });
        // The lease was released on the way out.
        expect(existsSync(`${w.ledgerPath()}.lease`), show).toBe(false);

        const again = await w.cli(["run", "--environment", "prod", "--json"]);
        expect(again.code, describeRun(again)).toBe(0);
        expect(JSON.parse(again.stdout.trim().split("\n").pop() ?? "{}")).toMatchObject({
          outcome: "idle",
          finished: { r1: "completed", r2: "completed" },
        });
        const after = w.ledger().map((l) => l.event);
        expect(after.some((e) => e.type === "failed" || e.type === "train-held")).toBe(false);
        // It re-read the stack and applied r1 again before r2.
        expect(
          after.filter((e) => e.type === "applying" && e.release === "r1").map((e) => e.attempt),
        ).toEqual([1, 2]);
        expect(w.pin("free")).toMatchObject({ release: "r2", version: "2.0.1" });
        expect(w.locks()).toEqual([]);
      },
      CHAIN_TIMEOUT_MS,
    );

    it(
      "a second SIGINT leaves at once (exit 3); the next run takes the dead process's lease over and finishes the train",
      async () => {
        const w = await template.clone("sigint-twice", (await sharedMoto()).endpoint);
        await submitTwo(w);
        w.hold("prod.free");
        const run = start(w, ["run", "--environment", "prod"]);
        let stopped: Awaited<typeof run.done>;
        try {
          await untilEvent(w, (e) => e.type === "applying" && e.release === "r1");
          await w.reached("prod.free");
          run.child.kill("SIGINT");
          await run.waitFor(/stopping \(interrupted by SIGINT\): cancelled r1\/free/);
          // The update is still held: only a forced stop ends the process now.
          run.child.kill("SIGINT");
          stopped = await run.done;
        } finally {
          w.release("prod.free");
        }
        expect(stopped.code, stopped.stderr).toBe(3);
        const types = w.ledger().map((l) => l.event.type);
        expect(types).not.toContain("failed");
        expect(w.ledger().at(-1)?.event).toMatchObject({ type: "applying", release: "r1" });
        // Its `pulumi` outlives it, finishing the step in flight: wait for it to be gone.
        const until = Date.now() + 300_000;
        while (w.pulumiOf("prod.free").length > 0) {
          if (Date.now() > until) throw new Error("the cancelled pulumi never ended");
          await new Promise((r) => setTimeout(r, 50));
        }
        // The lease names a dead process: the next run takes it over at once.
        expect(existsSync(`${w.ledgerPath()}.lease`)).toBe(true);
        const again = await w.cli(["run", "--environment", "prod", "--json"]);
        expect(again.code, describeRun(again)).toBe(0);
        expect(JSON.parse(again.stdout.trim().split("\n").pop() ?? "{}")).toMatchObject({
          outcome: "idle",
          finished: { r1: "completed", r2: "completed" },
        });
        const after = w.ledger().map((l) => l.event.type);
        expect(after.includes("failed") || after.includes("train-held")).toBe(false);
        expect(w.pin("free")).toMatchObject({ release: "r2", version: "2.0.1" });
        expect(w.locks()).toEqual([]);
      },
      CHAIN_TIMEOUT_MS,
    );
  },
);
