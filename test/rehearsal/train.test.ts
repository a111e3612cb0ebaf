/**
 * `rehearse --train`: a train of releases, one bad, through the real train controller and
 * scheduler on the simulated fleet. The facts are read from the report's JSON (what a script
 * reads) and checked against the simulated fleet's own record of what ran where.
 */
import { describe, expect, it } from "vitest";
import { REHEARSAL_POLICY } from "../../stacks/rollout/rehearsal/options.js";
import { trainRehearsalJson } from "../../stacks/rollout/rehearsal/report/json.js";
import { parseFault, type FaultInput } from "../../stacks/rollout/rehearsal/sim/faults.js";
import { simulationProfileSchema } from "../../stacks/rollout/rehearsal/sim/profile.js";
import {
  type TrainRehearsal,
  rehearseTrain,
} from "../../stacks/rollout/rehearsal/train/rehearse-train.js";
import { prodEnvironment } from "./support/rehearse.js";

const MIN = 60_000;

async function train(
  fault: FaultInput,
  releases: number,
  bad: number,
  extra: { observationMinutes?: number; compare?: boolean; seed?: number } = {},
): Promise<TrainRehearsal> {
  return rehearseTrain(await prodEnvironment(), {
    fault: parseFault(fault),
    profile: simulationProfileSchema.parse({ seed: extra.seed ?? 1 }),
    policy: REHEARSAL_POLICY,
    releases,
    bad,
    order: "queue",
    observationMs: (extra.observationMinutes ?? 0) * MIN,
    compare: extra.compare ?? false,
  });
}

type Json = ReturnType<typeof parse>;
function parse(r: TrainRehearsal) {
  return JSON.parse(trainRehearsalJson(r)) as {
    kind: string;
    badRelease?: string;
    releases: {
      release: string;
      status: string;
      cohorts: { cohort: string; wave: number; entered?: number; status: string }[];
      held?: { cause: string; reason: string };
    }[];
    caught?: { cohort: string; wave: number; latent: boolean; neverReached: string[] };
    held: { release: string; cause: string; reason: string; waits: string[] }[];
    reached: string[];
    endedOnBad: string[];
    exposure: {
      badRequests: number;
      totalRequests: number;
      shareOfAll: number;
      perCohort: { cohort: string; badRequests: number }[];
    };
    train: { makespanSeconds: number; completed: number; deploysPerWeek: number };
    oneAtATime?: { makespanSeconds: number; completed: number; deploysPerWeek: number };
    verdict: { kind: string; ok: boolean };
  };
}

/**
 * What a train with bad release `bad` (1-based) must show, as a list of what is wrong: the bad
 * release caught at `wave` (0-based) and never in a later wave, the releases ahead completed,
 * those behind held for it with the reason. Empty when all holds.
 */
function trainProblems(j: Json, bad: number, wave: number): string[] {
  const problems: string[] = [];
  const id = `r${String(bad)}`;
  if (j.badRelease !== id) problems.push(`badRelease is ${String(j.badRelease)}`);
  if (j.caught?.wave !== wave) problems.push(`${id} was not caught at wave ${String(wave + 1)}`);
  const path = j.releases.find((p) => p.release === id);
  if (path?.status !== "failed") problems.push(`${id} ended ${String(path?.status)}`);
  for (const c of path?.cohorts ?? [])
    if (c.wave > wave && c.entered !== undefined) problems.push(`${id} entered ${c.cohort}`);
  if (j.endedOnBad.length > 0) problems.push(`${id} still runs in ${j.endedOnBad.join(", ")}`);
  j.releases.forEach((p, i) => {
    if (i < bad - 1 && p.status !== "completed") problems.push(`${p.release} ended ${p.status}`);
    if (i >= bad && (p.status !== "held" || p.held?.cause !== id))
      problems.push(`${p.release} was not held behind ${id}`);
  });
  return problems;
}

describe("a train with one bad release", () => {
  it("catches it at the first wave its fault shows in; the ones ahead complete, the ones behind are held with the reason", async () => {
    const r = await train({ kind: "error-spike" }, 4, 2, { compare: true });
    const j = parse(r);
    expect(trainProblems(j, 2, 0)).toEqual([]);
    expect(j.caught).toMatchObject({
      cohort: "free",
      latent: false,
      neverReached: ["pro", "enterprise"],
    });
    // The simulated fleet agrees with the ledger: the bad release served free only.
    expect(j.reached).toEqual(["free"]);
    expect(j.held.map((h) => h.release)).toEqual(["r3", "r4"]);
    for (const h of j.held) {
      expect(h.cause).toBe("r2");
      expect(h.reason).toMatch(
        /^r2 failed at free \(alarm .*\); r[34] contains it and holds until a human decides$/,
      );
      expect(h.waits.join(" ")).toMatch(/held: r2 failed at free/);
    }
    // Exposure as the single-release rehearsal counts it: requests the bad release served.
    const free = j.exposure.perCohort.find((c) => c.cohort === "free");
    expect(free?.badRequests).toBeGreaterThan(0);
    expect(j.exposure.badRequests).toBe(free?.badRequests);
    expect(j.exposure.shareOfAll).toBeCloseTo(
      j.exposure.badRequests / j.exposure.totalRequests,
      12,
    );
    expect(j.train.completed).toBe(1);
    expect(j.train.makespanSeconds).toBeGreaterThan(0);
    expect(j.train.deploysPerWeek).toBeCloseTo((7 * 86_400) / j.train.makespanSeconds, 6);
    expect(j.oneAtATime?.completed).toBe(1);
    expect(j.verdict).toMatchObject({ kind: "contained", ok: true });
  });

  it("the same checks fail when the bad release is made good", async () => {
    const j = parse(await train({ kind: "none" }, 2, 1));
    expect(trainProblems(j, 1, 0)).toEqual([
      "badRelease is undefined",
      "r1 was not caught at wave 1",
      "r1 ended completed",
      "r1 entered pro",
      "r1 entered enterprise",
      "r2 was not held behind r1",
    ]);
    expect(j.releases.map((p) => p.status)).toEqual(["completed", "completed"]);
    expect(j.verdict).toMatchObject({ kind: "delivered", ok: true });
  });

  it("a latent fault is caught in the observation window after the bake and reverted everywhere it went", async () => {
    const j = parse(
      await train({ kind: "latent", activateAfterSeconds: 1_800 }, 2, 1, {
        observationMinutes: 60,
      }),
    );
    // The release moves on while a cohort observes (the scheduler's rule): the failure comes
    // from a cohort whose bake had passed, and every cohort the release reached is reverted.
    expect(j.caught).toMatchObject({ latent: true });
    const path = j.releases.find((p) => p.release === "r1");
    const reached = path?.cohorts.filter((c) => c.entered !== undefined) ?? [];
    expect(reached.length).toBeGreaterThan(0);
    expect(reached.map((c) => c.status)).toEqual(reached.map(() => "reverted"));
    expect(j.endedOnBad).toEqual([]);
    expect(j.releases[1]).toMatchObject({ release: "r2", status: "held", held: { cause: "r1" } });
  });

  it("is deterministic under a seed", async () => {
    const strip = (r: TrainRehearsal) => trainRehearsalJson({ ...r, wallMs: 0 });
    const a = strip(await train({ kind: "crash-loop" }, 2, 2, { seed: 7 }));
    const b = strip(await train({ kind: "crash-loop" }, 2, 2, { seed: 7 }));
    expect(a).toBe(b);
  });
});
