/**
 * Backward compatibility of the ledger: a ledger file recorded by earlier versions (older
 * events without `takenAt`, `attempt`, `recovered` or `manual`; every event type; three
 * releases that complete, fail after a failed-then-retried revert, and abort around a
 * cancelled update, then a manual revert of a finished release) still folds to the state the
 * pre-refactor reducer gave. `recorded-ledger.folded.json` was produced by that reducer (the
 * switch in state.ts before the handler table), so this fails if any handler changes meaning.
 * `recorded-ledger.decisions.json` is what main's machine (before the runner's decisions and the
 * commands' writes moved into it) decided on every prefix of the file, so this also fails if a
 * decision changes, except the one change meant: see the last test.
 */
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FileLedger } from "../../stacks/rollout/adapters/ledger-file.js";
import { phaseOf } from "../../stacks/rollout/core/conditions.js";
import { type Command, decide } from "../../stacks/rollout/core/machine.js";
import { fold } from "../../stacks/rollout/core/state.js";
import { readState } from "../../stacks/rollout/executor/runner.js";

const here = dirname(fileURLToPath(import.meta.url));
const FIXTURE = join(here, "fixtures", "recorded-ledger.jsonl");

/** Maps to objects, undefined fields dropped: the shape the expected file was written in. */
function plain(v: unknown): unknown {
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), plain(x)]));
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === "object")
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== undefined)
        .map(([k, x]) => [k, plain(x)]),
    );
  return v;
}

async function foldFixture() {
  const path = join(mkdtempSync(join(tmpdir(), "recorded-")), "prod.ledger.jsonl");
  cpSync(FIXTURE, path);
  return readState(new FileLedger(path));
}

describe("a recorded ledger file", () => {
  it("folds to the same state as before the reducer became a table of handlers", async () => {
    const { state, records } = await foldFixture();
    expect(records).toHaveLength(57);
    const expected = JSON.parse(
      readFileSync(join(here, "fixtures", "recorded-ledger.folded.json"), "utf8"),
    ) as { releases: Record<string, Record<string, unknown>> };
    const actual = plain(state) as typeof expected;
    // Conditions are new (derived, not stored): compared on their own below.
    for (const r of Object.values(actual.releases)) delete r.conditions;
    expect(actual).toEqual(expected);
  });

  it("gives each release a phase and conditions stamped with their records' times", async () => {
    const { state } = await foldFixture();
    const r1 = state.releases.get("r1");
    const r2 = state.releases.get("r2");
    const r3 = state.releases.get("r3");
    expect([r1, r2, r3].map((r) => r && phaseOf(r))).toEqual(["Succeeded", "Failed", "Aborted"]);
    const T0 = Date.UTC(2026, 0, 1);
    expect(r1?.conditions.get("Completed")).toMatchObject({
      status: "True",
      reason: "AllWavesPassed",
      lastTransitionAt: T0 + 456_000,
    });
    // Approval: requested at 96 s, approved at 200 s.
    expect(r1?.conditions.get("AwaitingApproval")).toMatchObject({
      status: "False",
      lastTransitionAt: T0 + 200_000,
    });
    expect(r2?.conditions.get("Failed")).toMatchObject({
      status: "True",
      reason: "GateFailed",
      message: "free: free-5xx is in ALARM",
      lastTransitionAt: T0 + 740_000,
    });
    // Paused at 501 s, resumed at 600 s; blocked at 602 s, resumed at 700 s.
    expect(r2?.conditions.get("Paused")).toMatchObject({
      status: "False",
      lastTransitionAt: T0 + 600_000,
    });
    expect(r2?.conditions.get("Blocked")).toMatchObject({
      status: "False",
      lastTransitionAt: T0 + 700_000,
    });
    // The failed revert (760 s) was retried on resume (800 s).
    expect(r2?.conditions.get("RevertFailed")).toMatchObject({
      status: "False",
      lastTransitionAt: T0 + 800_000,
    });
    expect(r3?.conditions.get("AbortRequested")).toMatchObject({
      status: "True",
      message: "abort requested by abort@77",
      lastTransitionAt: T0 + 910_000,
    });
  });
});

/** A decision as the fixture records it: what, for which cohort, recording which event. */
function projected(n: number, release: string, c: Command) {
  const cohort =
    c.kind === "record"
      ? (c.event as { cohort?: string }).cohort
      : c.kind === "observe"
        ? c.targets.map((t) => t.cohort).join(",")
        : c.kind === "wait"
          ? c.cohort
          : c.kind === "stop"
            ? undefined
            : c.target.cohort;
  return {
    n,
    release,
    kind: c.kind,
    ...(cohort !== undefined ? { cohort } : {}),
    ...(c.kind === "record" ? { event: c.event.type } : {}),
    ...(c.kind === "stop" ? { outcome: c.outcome } : {}),
  };
}

describe("the machine on a recorded ledger", () => {
  /** Every release's decision after each record, at the time of the next one. */
  async function decisions() {
    const { records } = await foldFixture();
    return records.flatMap((_, i) => {
      const s = fold(records.slice(0, i + 1));
      const now = (records[i + 1] ?? records[i])?.at ?? 0;
      return [...s.releases].map(([id, r]) => projected(i + 1, id, decide(r, now)));
    });
  }
  const before = JSON.parse(
    readFileSync(join(here, "fixtures", "recorded-ledger.decisions.json"), "utf8"),
  ) as ReturnType<typeof projected>[];

  it("decides as before on every prefix, but for a finished release's manual revert", async () => {
    const now = await decisions();
    expect(now).toHaveLength(before.length);
    const changed = now.filter((d, i) => JSON.stringify(d) !== JSON.stringify(before[i]));
    expect(changed).toEqual([{ n: 56, release: "r1", kind: "revert", cohort: "team" }]);
  });

  it("carries out a finished release's manual revert itself (it used to be the command's)", async () => {
    // Record 56 is `revert --cohort team` of completed r1: the machine now reverts the cohort,
    // where it said "stop" and the command ran a second revert executor of its own.
    expect(before.find((d) => d.n === 56 && d.release === "r1")).toEqual({
      n: 56,
      release: "r1",
      kind: "stop",
      outcome: "completed",
    });
    const { records } = await foldFixture();
    const r1 = fold(records.slice(0, 56)).releases.get("r1");
    expect(r1 && decide(r1, records[56]?.at ?? 0)).toMatchObject({
      kind: "revert",
      manual: true,
      refreshFirst: true,
      target: { cohort: "team" },
    });
  });
});
