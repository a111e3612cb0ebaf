/**
 * Which ledger records become notifications: a pure function of the ledger,
 * checked on real runs of the runner over the in-memory ports (a completed
 * release, a gate failure and its revert, a failed revert, a blocked cohort),
 * every body valid against the published schema (docs/notification.schema.json
 * is generated from it and must not drift).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { RolloutEvent } from "../../../stacks/rollout/core/events.js";
import { deriveNotifications } from "../../../stacks/rollout/notify/derive.js";
import {
  notificationJsonSchema,
  notificationSchema,
} from "../../../stacks/rollout/notify/notification.js";
import type { FoldRecord } from "../../../stacks/rollout/core/state.js";
import { harness } from "../support/harness.js";

function records(h: Awaited<ReturnType<typeof harness>>): FoldRecord[] {
  return h.ledger.records.map((r) => ({ seq: r.seq, at: r.at, event: r.event as RolloutEvent }));
}

describe("notifications derived from the ledger", () => {
  it("a completed release: planned, each wave passed, completed", async () => {
    const h = await harness();
    expect((await h.run()).outcome).toBe("completed");
    const ns = deriveNotifications(records(h));
    expect(ns.map((n) => n.kind)).toEqual([
      "planned",
      "wave-passed",
      "wave-passed",
      "wave-passed",
      "completed",
    ]);
    expect(ns.filter((n) => n.kind === "wave-passed").map((n) => [n.wave, n.cohorts])).toEqual([
      [0, ["free"]],
      [1, ["pro"]],
      [2, ["enterprise"]],
    ]);
    for (const n of ns) expect(notificationSchema.safeParse(n).success).toBe(true);
    // Ids are unique and name the record that caused them.
    expect(new Set(ns.map((n) => n.id)).size).toBe(ns.length);
    expect(ns[0]?.id).toBe("prod/r1/1/planned");
  });

  it("a gate failure: gate-failed, one reverting for the release, one reverted at its end", async () => {
    const h = await harness();
    h.gate.script = (name) =>
      name.startsWith("pro-") && h.eventsOf("applied").length >= 2 ? "ALARM" : "OK";
    expect((await h.run()).outcome).toBe("failed");
    const ns = deriveNotifications(records(h));
    expect(ns.map((n) => n.kind)).toEqual([
      "planned",
      "wave-passed",
      "gate-failed",
      "reverting",
      "reverted",
    ]);
    const failed = ns.find((n) => n.kind === "gate-failed");
    expect(failed).toMatchObject({ cohort: "pro", wave: 1, cause: "gate", severity: "warning" });
    expect(ns.find((n) => n.kind === "reverting")?.cohorts).toEqual(["pro", "free"]);
    expect(ns.find((n) => n.kind === "reverted")).toMatchObject({
      outcome: "failed",
      cohorts: ["pro", "free"],
    });
  });

  it("a failed revert is critical and names the command that recovers the cohort", async () => {
    const h = await harness();
    h.gate.script = (name) =>
      name.startsWith("free-") && h.eventsOf("applied").length >= 1 ? "ALARM" : "OK";
    h.driver.failRevert.add("prod.free");
    expect((await h.run()).outcome).toBe("stuck");
    const ns = deriveNotifications(records(h));
    const bad = ns.find((n) => n.kind === "revert-failed");
    expect(bad).toMatchObject({ severity: "critical", cohort: "free" });
    expect(bad?.nextStep).toContain("revert --cohort free");
  });

  it("a cohort already in ALARM holds the release: needs-human with the resume command", async () => {
    const h = await harness();
    h.gate.script = (name) => (name.startsWith("free-") ? "ALARM" : "OK");
    expect((await h.run()).outcome).toBe("blocked");
    const ns = deriveNotifications(records(h));
    expect(ns.map((n) => n.kind)).toEqual(["planned", "needs-human"]);
    expect(ns[1]).toMatchObject({ severity: "critical", cohort: "free" });
    expect(ns[1]?.nextStep).toBe("cohort-rollout resume --environment prod --release r1");
  });

  it("derives only after the cursor, with the earlier records as context", async () => {
    const h = await harness();
    h.gate.script = (name) =>
      name.startsWith("pro-") && h.eventsOf("applied").length >= 2 ? "ALARM" : "OK";
    await h.run();
    const all = records(h);
    const firstReverting = all.find((r) => r.event.type === "reverting")?.seq ?? 0;
    // From just after the first `reverting`: the second cohort's `reverting` is no news.
    const later = deriveNotifications(all, firstReverting);
    expect(later.map((n) => n.kind)).toEqual(["reverted"]);
  });

  it("docs/notification.schema.json is the schema the code validates with", () => {
    const published = JSON.parse(
      readFileSync(new URL("../../../docs/notification.schema.json", import.meta.url), "utf8"),
    ) as unknown;
    // If this fails: npx tsx scripts/notification-schema.ts (then prettier --write the file)
    expect(published).toEqual(notificationJsonSchema());
  });
});
