/**
 * Cadence per cohort: minimum interval, releases per day and windows, counted in the cohort's
 * IANA time zone and correct across daylight-saving changes; and the train honouring them.
 */
import { describe, expect, it } from "vitest";
import { cadenceAllows, localTime } from "../../../stacks/rollout/core/train/cadence.js";
import { cadenceSchema } from "../../../stacks/rollout/core/train/events.js";
import { HOUR, MIN, TrainWorld, cohort, policy, waves } from "./train-world.js";

const at = (iso: string): number => Date.parse(iso);

describe("cadence decisions", () => {
  it("waits out the minimum interval after the last release", () => {
    const c = cadenceSchema.parse({ minIntervalMs: 2 * HOUR });
    const last = at("2026-12-01T10:00:00Z");
    const v = cadenceAllows(c, { lastEnteredAt: last, recentEntries: [last] }, last + HOUR);
    expect(v).toMatchObject({ ok: false, waitingFor: "interval", until: last + 2 * HOUR });
    expect(
      cadenceAllows(c, { lastEnteredAt: last, recentEntries: [last] }, last + 2 * HOUR).ok,
    ).toBe(true);
  });

  it("counts releases per local day and waits for the next local midnight, on a 25-hour DST day too", () => {
    // Europe/Berlin falls back on 2026-10-25 (CEST -> CET): that day is 25 hours long and the
    // next midnight is 23:00 UTC, not 22:00 as the day before.
    const c = cadenceSchema.parse({ maxPerDay: 2, timeZone: "Europe/Berlin" });
    const entries = [at("2026-10-25T05:00:00Z"), at("2026-10-25T09:00:00Z")];
    const v = cadenceAllows(
      c,
      { lastEnteredAt: entries[1], recentEntries: entries },
      at("2026-10-25T12:00:00Z"),
    );
    expect(v).toMatchObject({
      ok: false,
      waitingFor: "day-limit",
      until: at("2026-10-25T23:00:00Z"),
    });
    // 22:30 UTC on the 24th is already the 25th in Berlin (00:30 CEST): it counts for that day.
    const early = [at("2026-10-24T22:30:00Z"), at("2026-10-25T09:00:00Z")];
    expect(
      cadenceAllows(
        c,
        { lastEnteredAt: early[1], recentEntries: early },
        at("2026-10-25T12:00:00Z"),
      ).ok,
    ).toBe(false);
    // Spring forward (2026-03-29, a 23-hour day): the next midnight is 22:00 UTC.
    const spring = [at("2026-03-29T08:00:00Z"), at("2026-03-29T09:00:00Z")];
    expect(
      cadenceAllows(
        c,
        { lastEnteredAt: spring[1], recentEntries: spring },
        at("2026-03-29T12:00:00Z"),
      ),
    ).toMatchObject({
      until: at("2026-03-29T22:00:00Z"),
    });
  });

  it("keeps to weekday windows in the cohort's zone, and finds the next opening across a DST jump", () => {
    const business = cadenceSchema.parse({
      timeZone: "America/New_York",
      windows: [{ days: ["mon", "tue", "wed", "thu", "fri"], start: "09:00", end: "17:00" }],
    });
    // Saturday 2026-03-07 noon in New York: closed until Monday 09:00 EDT (the clocks went
    // forward on Sunday the 8th), which is 13:00 UTC, not 14:00 as in winter.
    const sat = at("2026-03-07T17:00:00Z");
    expect(localTime(sat, "America/New_York")).toMatchObject({ weekday: "sat", hhmm: "12:00" });
    expect(cadenceAllows(business, { recentEntries: [] }, sat)).toMatchObject({
      ok: false,
      waitingFor: "window",
      until: at("2026-03-09T13:00:00Z"),
    });
    expect(cadenceAllows(business, { recentEntries: [] }, at("2026-03-09T13:00:00Z")).ok).toBe(
      true,
    );
    expect(cadenceAllows(business, { recentEntries: [] }, at("2026-03-09T21:00:00Z")).ok).toBe(
      false,
    );
    // A window at 02:30-04:00 on the night 02:00-03:00 does not exist opens at 03:00 EDT.
    const night = cadenceSchema.parse({
      timeZone: "America/New_York",
      windows: [{ days: ["sun"], start: "02:30", end: "04:00" }],
    });
    expect(cadenceAllows(night, { recentEntries: [] }, at("2026-03-08T05:00:00Z"))).toMatchObject({
      until: at("2026-03-08T07:00:00Z"),
    });
  });
});

describe("cadence in a train", () => {
  it("holds a release for the cohort's interval and window, with the reason in its waits", async () => {
    // Friday 2026-12-04 15:00 UTC. Enterprise takes releases on weekdays 09:00-17:00 London time,
    // at most one every 90 minutes; free takes them any time.
    const enterprise = cohort("enterprise", {
      bakeMs: 10 * MIN,
      cadence: cadenceSchema.parse({
        minIntervalMs: 90 * MIN,
        timeZone: "Europe/London",
        windows: [{ days: ["mon", "tue", "wed", "thu", "fri"], start: "09:00", end: "17:00" }],
      }),
    });
    const w = new TrainWorld(
      waves([cohort("free")], [enterprise]),
      policy({ order: "queue" }),
      at("2026-12-04T15:00:00Z"),
    );
    await w.submit("r1");
    await w.submit("r2");
    const ctl = w.controller();
    const result = await ctl.run();
    expect(result.outcome).toBe("idle");
    const entries = w.entries().filter((e) => e.cohort === "enterprise");
    expect(entries.map((e) => e.release)).toEqual(["r1", "r2"]);
    // r1 at 15:10:05; r2 is ready by 15:20 but the interval runs to 16:40:05; within the window.
    expect(entries[1]?.at).toBe((entries[0]?.at ?? 0) + 90 * MIN);
    await w.submit("r3");
    const more = await w.controller().run();
    expect(more.outcome).toBe("idle");
    // r3 reached enterprise after 17:00 on Friday: it entered on Monday at 09:00 London (UTC).
    expect(w.entries().find((e) => e.release === "r3" && e.cohort === "enterprise")?.at).toBe(
      at("2026-12-07T09:00:00Z"),
    );
  });
});
