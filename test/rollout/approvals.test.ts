/**
 * Approvals, decided by the pure machine over recorded events on a virtual
 * clock: a release waits at a wave that needs approval (the condition recorded
 * once, with who may approve), continues once approved, reverts what it
 * reached when rejected; an approval counts only for the release and plan it
 * names; and waiting never holds back a revert, of this release or of another
 * one in the train.
 */
import { describe, expect, it } from "vitest";
import type { RolloutEvent } from "../../stacks/rollout/core/events.js";
import { approvalGate } from "../../stacks/rollout/core/approvals.js";
import { decide } from "../../stacks/rollout/core/machine.js";
import { readState } from "../../stacks/rollout/executor/runner.js";
import { statusOf } from "../../stacks/rollout/core/state.js";
import { DEFAULT_POLICY, wavesOf, THREE_COHORTS } from "../kit/plan.js";
import { OLD_PIN, harness } from "./support/harness.js";

const approve = (release: string, wave: number, planSeq: number, by = "alice"): RolloutEvent => ({
  type: "approved",
  release,
  wave,
  planSeq,
  by,
  reason: "change ticket CHG-42 signed off",
});

async function append(h: Awaited<ReturnType<typeof harness>>, event: RolloutEvent) {
  await h.ledger.append(event, h.ledger.records.length + 1);
}

describe("a wave that needs approval", () => {
  it("waits there, recording the condition once with who may approve and since when", async () => {
    const h = await harness({ approvalFor: { enterprise: ["alice", "bob"] } });
    const first = await h.run();
    expect(first.outcome).toBe("awaiting-approval");
    expect(first.reason).toContain("wave 3 (enterprise) waits for approval by alice, bob since");
    expect(h.driver.applies()).toEqual(["prod.free", "prod.pro"]);
    const requested = h.eventsOf("approval-requested");
    expect(requested.map((r) => r.event)).toEqual([
      {
        type: "approval-requested",
        release: "r1",
        wave: 2,
        cohorts: ["enterprise"],
        approvers: ["alice", "bob"],
      },
    ]);
    const r = await h.state();
    expect(r && statusOf(r)).toBe("awaiting-approval");
    expect(r?.awaitingApproval).toMatchObject({ wave: 2, since: requested[0]?.at });

    // Running again (a resume, hours later) stops at once: no second request, nothing applied.
    h.clock.t += 3_600_000;
    const again = await h.makeRunner().run("r1");
    expect(again.outcome).toBe("awaiting-approval");
    expect(h.eventsOf("approval-requested")).toHaveLength(1);
    expect(h.driver.applies()).toEqual(["prod.free", "prod.pro"]);
  });

  it("continues once approved, and records who approved and why", async () => {
    const h = await harness({ approvalFor: { enterprise: [] } });
    expect((await h.run()).outcome).toBe("awaiting-approval");
    await append(h, approve("r1", 2, 1));
    const done = await h.makeRunner().run("r1");
    expect(done.outcome).toBe("completed");
    expect(h.driver.applies()).toEqual(["prod.free", "prod.pro", "prod.enterprise"]);
    const r = await h.state();
    expect(r?.approvals.get(2)).toMatchObject({
      by: "alice",
      reason: "change ticket CHG-42 signed off",
    });
    expect(r?.awaitingApproval).toBeUndefined();
  });

  it("reverts what the release reached, most critical first, when rejected", async () => {
    const h = await harness({ approveBefore: ["enterprise"] });
    expect((await h.run()).outcome).toBe("awaiting-approval");
    await append(h, {
      type: "rejected",
      release: "r1",
      wave: 2,
      planSeq: 1,
      by: "carol",
      reason: "freeze",
    });
    const r1 = await h.state();
    // Rejecting is deciding: the very next decision is a revert.
    expect(r1 && decide(r1, h.clock.now())).toMatchObject({
      kind: "record",
      event: { type: "reverting", cohort: "pro" },
    });
    const end = await h.makeRunner().run("r1");
    expect(end.outcome).toBe("aborted");
    expect(h.driver.reverts()).toEqual(["prod.pro", "prod.free"]);
    expect(h.driver.applies()).not.toContain("prod.enterprise");
    for (const s of ["prod.free", "prod.pro", "prod.enterprise"])
      expect(h.driver.pinOf(s)).toEqual(OLD_PIN);
    expect((await h.state())?.rejection).toMatchObject({ wave: 2, by: "carol", reason: "freeze" });
  });

  it("an approval given before the wait counts for its release only, and only for its plan", async () => {
    const h = await harness({ approvalFor: { enterprise: [] } });
    // Approved in advance, while r1 has not even started.
    await append(h, approve("r1", 2, 1));
    expect((await h.run()).outcome).toBe("completed");
    expect(h.eventsOf("approval-requested")).toHaveLength(0);

    // r2, planned later with the same waves, is not let through by r1's approval, nor by one
    // naming r2 with r1's plan record (an approval expires with the plan it approved).
    const waves = wavesOf(THREE_COHORTS).map((w) => ({
      ...w,
      targets: w.targets.map((t) =>
        t.cohort === "enterprise" ? { ...t, approval: { approvers: [] } } : t,
      ),
    }));
    await append(h, {
      type: "planned",
      release: "r2",
      releaseSpec: { id: "r2", version: "3.0.0", config: {} },
      environment: "prod",
      waves,
      policy: DEFAULT_POLICY,
    });
    const r2PlanSeq = h.ledger.records.length;
    await append(h, approve("r2", 2, 1));
    const r2 = await h.makeRunner().run("r2");
    expect(r2.outcome).toBe("awaiting-approval");
    const state = (await readState(h.ledger)).state;
    expect(state.releases.get("r2")?.approvals.size).toBe(0);
    expect(state.releases.get("r1")?.approvals.get(2)?.by).toBe("alice");

    await append(h, approve("r2", 2, r2PlanSeq, "dave"));
    expect((await h.makeRunner().run("r2")).outcome).toBe("completed");
  });

  it("a wave without approval settings needs none", async () => {
    const h = await harness({ approvalFor: { pro: ["alice"] } });
    const r = await h.state();
    if (!r) throw new Error("no release");
    expect(approvalGate(r, 0)).toBeUndefined();
    expect(approvalGate(r, 1)).toEqual({ wave: 1, cohorts: ["pro"], approvers: ["alice"] });
    expect(approvalGate(r, 2)).toBeUndefined();
  });
});

describe("waiting for approval never delays a revert", () => {
  it("an abort while the release waits reverts at once", async () => {
    const h = await harness({ approvalFor: { enterprise: [] } });
    expect((await h.run()).outcome).toBe("awaiting-approval");
    await append(h, { type: "abort-requested", release: "r1", by: "ops" });
    const r = await h.state();
    expect(r && decide(r, h.clock.now())).toMatchObject({
      kind: "record",
      event: { type: "reverting" },
    });
    expect((await h.makeRunner().run("r1")).outcome).toBe("aborted");
    expect(h.driver.reverts()).toEqual(["prod.pro", "prod.free"]);
  });

  it("a gate failure of another release in the train reverts at once while this one waits", async () => {
    // r1 waits for approval before enterprise, having reached free and pro.
    const h = await harness({ approvalFor: { enterprise: [] } });
    expect((await h.run()).outcome).toBe("awaiting-approval");
    const waitingSince = (await h.state())?.awaitingApproval?.since;
    // r2, a second release in flight, reaches free and its gate fires there.
    await append(h, {
      type: "planned",
      release: "r2",
      releaseSpec: { id: "r2", version: "3.0.0", config: {} },
      environment: "prod",
      waves: wavesOf(THREE_COHORTS),
      policy: DEFAULT_POLICY,
    });
    h.gate.script = (name) =>
      name.startsWith("free-") && h.driver.pinOf("prod.free")?.release === "r2" ? "ALARM" : "OK";
    const r2 = await h.makeRunner().run("r2");
    expect(r2.outcome).toBe("failed");
    const recs = h.ledger.records.map((x) => ({ at: x.at, event: x.event as RolloutEvent }));
    const failed = recs.find((x) => x.event.type === "failed" && x.event.release === "r2");
    const reverting = recs.find((x) => x.event.type === "reverting" && x.event.release === "r2");
    // The revert was decided in the same instant as the failure: no wait in between.
    expect(failed).toBeDefined();
    expect(reverting?.at).toBe(failed?.at);
    expect(h.driver.reverts()).toEqual(["prod.free"]);
    // r1 still waits, as it did, untouched.
    const r1 = (await readState(h.ledger)).state.releases.get("r1");
    expect(r1 && statusOf(r1)).toBe("awaiting-approval");
    expect(r1?.awaitingApproval?.since).toBe(waitingSince);
  });
});
