/** The report's wording and encodings: durations, shares, ratios, JSON without Infinity, escaping. */
import { describe, expect, it } from "vitest";
import { esc } from "../../stacks/rollout/rehearsal/report/escape.js";
import {
  describeFault,
  duration,
  offset,
  percent,
  ratio,
} from "../../stacks/rollout/rehearsal/report/format.js";
import { rehearsalJson } from "../../stacks/rollout/rehearsal/report/json.js";
import type { Rehearsal } from "../../stacks/rollout/rehearsal/rehearse.js";
import { parseFault } from "../../stacks/rollout/rehearsal/sim/faults.js";

describe("report formatting", () => {
  it("formats durations, offsets, shares and ratios", () => {
    expect([duration(42), duration(211), duration(3725), duration(undefined)]).toEqual([
      "42s",
      "3m31s",
      "1h02m",
      "—",
    ]);
    expect([offset(0), offset(551), offset(3725)]).toEqual(["+0:00", "+9:11", "+1:02:05"]);
    expect([percent(0), percent(0.0004), percent(0.0173), percent(0.126)]).toEqual([
      "0%",
      "0.040%",
      "1.73%",
      "12.6%",
    ]);
    expect([ratio(7.2775), ratio(Number.POSITIVE_INFINITY), ratio(undefined), ratio(250)]).toEqual([
      "7.3x",
      "∞",
      "—",
      "250x",
    ]);
  });

  it("describes each fault model with its parameters", () => {
    expect(describeFault(parseFault({ kind: "error-spike", errorRate: 0.2 }))).toBe(
      "error spike (+20.0% 5xx)",
    );
    expect(describeFault(parseFault({ kind: "crash-loop" }))).toBe(
      "crash loop (50.0% of hosts unhealthy)",
    );
    expect(
      describeFault(
        parseFault({ kind: "latent", activateAfterSeconds: 1800, from: "each-cohort" }),
      ),
    ).toBe("latent: healthy for 30m00s after reaching each cohort, then error spike (+15.0% 5xx)");
  });

  it("writes JSON with null where a ratio is infinite (the plan exposed nothing)", () => {
    const r = {
      environment: "x",
      exposureRatios: { "fleet-wide": Number.POSITIVE_INFINITY, "staged-ungated": 2 },
    };
    const parsed = JSON.parse(rehearsalJson(r as unknown as Rehearsal)) as {
      schemaVersion: number;
      exposureRatios: Record<string, number | null>;
    };
    expect(parsed.schemaVersion).toBe(1);
    expect(parsed.exposureRatios).toEqual({ "fleet-wide": null, "staged-ungated": 2 });
  });

  it("escapes text for HTML and attributes", () => {
    expect(esc(`a<b>&"c"'d'`)).toBe("a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;");
  });
});
