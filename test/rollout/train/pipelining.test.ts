/**
 * Train decisions on a fake clock: pipelining, supersede vs queue, a concurrent wave, the
 * bound on concurrent updates, and configuration releases.
 */
import { describe, expect, it } from "vitest";
import { MIN, TrainWorld, cohort, policy, waves } from "./train-world.js";

const APPLY = 5_000;
const BAKE = 10 * MIN;

describe("release train pipelining", () => {
  it("lets release N+1 into a wave as soon as N has left it, in order through every cohort", async () => {
    const w = new TrainWorld(
      waves([cohort("a")], [cohort("b")], [cohort("c")]),
      policy({ order: "queue" }),
    );
    await w.submit("r1");
    await w.submit("r2");
    await w.submit("r3");
    const result = await w.controller().run();
    expect(result.outcome).toBe("idle");
    expect(w.finished()).toEqual({ r1: "completed", r2: "completed", r3: "completed" });
    for (const c of ["a", "b", "c"]) expect(w.orderAt(c)).toEqual(["r1", "r2", "r3"]);
    const at = (r: string, c: string): number =>
      w.entries().find((e) => e.release === r && e.cohort === c)?.at ?? NaN;
    // r2 enters a the moment r1 passed there (r1 left wave 1), while r1 is still in flight.
    const r1PassedA = w.timeOf(
      (e) => e.type === "passed" && e.release === "r1" && e.cohort === "a",
    );
    expect(at("r2", "a")).toBe(r1PassedA);
    expect(at("r2", "a")).toBeLessThan(at("r1", "c"));
    // Never two releases in one cohort: each entry after the previous release passed there.
    for (const c of ["a", "b", "c"]) {
      expect(at("r2", c)).toBeGreaterThanOrEqual(
        w.timeOf((e) => e.type === "passed" && e.release === "r1" && e.cohort === c),
      );
    }
    // Pipelined makespan: (waves + releases - 1) stages, not waves x releases.
    const start = w.records()[0]?.at ?? 0;
    const end = w.records().at(-1)?.at ?? 0;
    expect(end - start).toBeLessThanOrEqual(5 * (APPLY + BAKE) * 1.05);
    expect(end - start).toBeGreaterThanOrEqual(5 * (APPLY + BAKE));
  });

  it("updates a wave's cohorts concurrently, at most maxConcurrentUpdates at once", async () => {
    const w = new TrainWorld(
      waves([cohort("x"), cohort("y"), cohort("z")]),
      policy({ maxConcurrentUpdates: 2 }),
    );
    await w.submit("r1");
    const result = await w.controller().run();
    expect(result.outcome).toBe("idle");
    const applies = w.driver.calls.filter((c) => c.op === "apply");
    expect(applies.map((c) => c.stack).sort()).toEqual(["prod.x", "prod.y", "prod.z"]);
    const t0 = applies[0]?.at ?? NaN;
    // Two start together; the third waits for an update slot (one update's length later).
    expect(applies.filter((c) => c.at === t0)).toHaveLength(2);
    expect(applies.filter((c) => c.at === t0 + APPLY)).toHaveLength(1);
  });
});

describe("supersede vs queue", () => {
  async function twoBehindOne(order: "supersede" | "queue"): Promise<TrainWorld> {
    const w = new TrainWorld(waves([cohort("a")], [cohort("b")]), policy({ order }));
    await w.submit("r1");
    const ctl = w.controller({ stopWhenIdle: true });
    const run = ctl.run();
    // r2 and r3 arrive while r1 bakes in a: both are ready when a frees.
    await w.clock.sleep(2 * MIN);
    await w.submit("r2");
    await w.submit("r3");
    expect((await run).outcome).toBe("idle");
    return w;
  }

  it("supersede: the newest ready release takes the freed cohort; older ones are recorded as superseded", async () => {
    const w = await twoBehindOne("supersede");
    expect(w.orderAt("a")).toEqual(["r1", "r3"]);
    expect(w.orderAt("b")).toEqual(["r1", "r3"]);
    expect(w.entries().find((e) => e.release === "r3" && e.cohort === "a")?.supersedes).toEqual([
      "r2",
    ]);
    expect(w.finished()).toEqual({ r1: "completed", r2: "superseded", r3: "completed" });
  });

  it("queue: every release goes through every cohort in order", async () => {
    const w = await twoBehindOne("queue");
    expect(w.orderAt("a")).toEqual(["r1", "r2", "r3"]);
    expect(w.orderAt("b")).toEqual(["r1", "r2", "r3"]);
    expect(w.finished()).toEqual({ r1: "completed", r2: "completed", r3: "completed" });
  });
});

describe("configuration releases", () => {
  it("changes configuration values and keeps each cohort's version, through the same waves", async () => {
    const w = new TrainWorld(waves([cohort("a")], [cohort("b")]));
    await w.submit("flags-1", { config: { FLAG: "on" } });
    expect((await w.controller().run()).outcome).toBe("idle");
    for (const s of ["prod.a", "prod.b"])
      expect(w.driver.pinOf(s)).toEqual({
        release: "flags-1",
        version: "v0",
        config: { FLAG: "on" },
      });
    expect(w.finished()).toEqual({ "flags-1": "completed" });
  });
});
