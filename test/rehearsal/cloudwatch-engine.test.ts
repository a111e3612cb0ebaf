import { describe, expect, it } from "vitest";
import { parseAlarmRule } from "../../stacks/rollout/rehearsal/cloudwatch/alarm-rule.js";
import { alarmSpecsSchema } from "../../stacks/rollout/rehearsal/cloudwatch/alarm-spec.js";
import { evaluateWindow } from "../../stacks/rollout/rehearsal/cloudwatch/evaluate-window.js";
import {
  parseExpression,
  type Value,
} from "../../stacks/rollout/rehearsal/cloudwatch/metric-math.js";
import { SimulatedCloudWatch } from "../../stacks/rollout/rehearsal/cloudwatch/simulated-cloudwatch.js";
import { SimulatedFleet } from "../../stacks/rollout/rehearsal/sim/fleet.js";
import { parseFault, type FaultInput } from "../../stacks/rollout/rehearsal/sim/faults.js";
import { simulationProfileSchema } from "../../stacks/rollout/rehearsal/sim/profile.js";
import { fixtureAlarms } from "./fixtures/alarms.js";

const MIN = 60_000;

describe("metric math", () => {
  const series: Record<string, Value[]> = {
    req: [10, 40, undefined, 100],
    e5xx: [1, undefined, 3, 5],
  };
  const ev = (src: string): Value[] => parseExpression(src).evaluate((id) => series[id] ?? [], 4);

  it("evaluates the §1.4 error-rate guard with IF and FILL per timestamp", () => {
    expect(ev("IF(req >= 20, 100*FILL(e5xx,0)/req, 0)")).toEqual([0, 0, undefined, 5]);
  });
  it("propagates missing datapoints through arithmetic and fills them", () => {
    expect(ev("e5xx + 1")).toEqual([2, undefined, 4, 6]);
    expect(ev("FILL(e5xx, 7)")).toEqual([1, 7, 3, 5]);
    expect(ev("FILL(e5xx, REPEAT)")).toEqual([1, 1, 3, 5]);
  });
  it("respects precedence and drops division by zero", () => {
    expect(ev("2 + 3 * 4 ^ 2")).toEqual([50, 50, 50, 50]);
    expect(ev("req / 0")).toEqual([undefined, undefined, undefined, undefined]);
    expect(ev("req > 20 AND e5xx >= 5")).toEqual([0, undefined, undefined, 1]);
  });
  it("rejects unknown functions with the expression in the message", () => {
    expect(() => parseExpression("ANOMALY_DETECTION_BAND(m1)")).toThrow(
      /ANOMALY_DETECTION_BAND.*not simulated/,
    );
    expect(() => parseExpression("1 +")).toThrow(/unexpected end/);
  });
});

describe("composite alarm rules", () => {
  it("parses quoted and bare names with AND/OR/NOT and precedence", () => {
    const rule = parseAlarmRule("ALARM(\"a\") OR ALARM(b) AND NOT OK('c')");
    expect(rule.alarms.sort()).toEqual(["a", "b", "c"]);
    const states: Record<string, "OK" | "ALARM" | "INSUFFICIENT_DATA"> = {
      a: "OK",
      b: "ALARM",
      c: "OK",
    };
    expect(rule.evaluate((n) => states[n] ?? "OK")).toBe(false);
    states.c = "INSUFFICIENT_DATA";
    expect(rule.evaluate((n) => states[n] ?? "OK")).toBe(true);
    expect(() => parseAlarmRule("ALARM(a) XOR ALARM(b)")).toThrow(/unexpected/);
  });
});

describe("one evaluation window (the documented missing-data table, 3 of 3)", () => {
  const X = true;
  const O = false;
  const _ = undefined;
  const cases: [(boolean | undefined)[], string, string, string, string][] = [
    // points, missing, ignore, breaching, notBreaching
    [[O, O, O], "OK", "OK", "OK", "OK"],
    [[O, O, X], "OK", "OK", "OK", "OK"],
    [[O, _, _], "OK", "OK", "OK", "OK"],
    [[_, _, X], "ALARM", "ALARM", "ALARM", "OK"],
    [[_, X, X], "ALARM", "ALARM", "ALARM", "OK"],
    [[_, _, _], "INSUFFICIENT_DATA", "OK", "ALARM", "OK"],
    [[X, X, X], "ALARM", "ALARM", "ALARM", "ALARM"],
  ];
  it.each(cases)("%j", (points, missing, ignore, breaching, notBreaching) => {
    const at = (t: "missing" | "ignore" | "breaching" | "notBreaching"): string =>
      evaluateWindow({ points, datapointsToAlarm: 3, treatMissingData: t, current: "OK" });
    expect([at("missing"), at("ignore"), at("breaching"), at("notBreaching")]).toEqual([
      missing,
      ignore,
      breaching,
      notBreaching,
    ]);
  });
});

function world(fault: FaultInput, profileOverrides: Record<string, unknown> = {}) {
  const profile = simulationProfileSchema.parse({ seed: 7, ...profileOverrides });
  const fleet = new SimulatedFleet(
    profile,
    ["free"],
    new Map([["bad", parseFault(fault)]]),
    "good",
  );
  const specs = alarmSpecsSchema.parse(fixtureAlarms("free"));
  const cw = new SimulatedCloudWatch(fleet, specs);
  return { profile, fleet, cw };
}

function firstAlarm(cw: SimulatedCloudWatch, name: string, after: number): number | undefined {
  return cw.history(name).find((h) => h.state === "ALARM" && h.at >= after)?.at;
}

describe("simulated CloudWatch over the simulated fleet", () => {
  it("keeps a healthy cohort OK for hours (no false alarms from noise, diurnal traffic or lag)", () => {
    const { profile, cw } = world({ kind: "none" });
    cw.advanceTo(profile.startEpochMs + 6 * 60 * MIN);
    for (const name of cw.alarmsOf("free")) {
      expect(cw.history(name).filter((h) => h.state === "ALARM")).toEqual([]);
      expect(cw.read([name])[0]?.state).toBe("OK");
    }
    expect(cw.warnings).toEqual([]);
  });

  it.each([
    [{ kind: "error-spike", errorRate: 0.1 }, "cohort-free-error-rate"],
    [{ kind: "latency-regression", factor: 12 }, "cohort-free-latency-p99"],
    [{ kind: "crash-loop", unhealthyFraction: 0.5 }, "cohort-free-unhealthy-hosts"],
  ] as const)("detects %j through %s within lag + evaluation periods", (fault, alarm) => {
    const { profile, fleet, cw } = world(fault);
    const deployAt = profile.startEpochMs + 30 * MIN;
    cw.advanceTo(deployAt);
    fleet.setRelease("free", "bad", deployAt);
    cw.advanceTo(deployAt + 30 * MIN);
    const at = firstAlarm(cw, alarm, deployAt);
    expect(at).toBeDefined();
    const ttd = ((at as number) - deployAt) / 1000;
    // 2 of 3 one-minute datapoints + 90 s publication lag, evaluated each minute.
    expect(ttd).toBeGreaterThanOrEqual(150);
    expect(ttd).toBeLessThanOrEqual(300);
    expect(firstAlarm(cw, "cohort-free-health", deployAt)).toBe(at);
  });

  it("makes an alarm with only a TargetGroup dimension blind, and the breaching HealthyHostCount alarm fire", () => {
    const profile = simulationProfileSchema.parse({});
    const fleet = new SimulatedFleet(profile, ["free"], new Map(), "good");
    const specs = alarmSpecsSchema.parse(
      fixtureAlarms("free").map((a) =>
        a.kind === "metric" && a.metricName === "HealthyHostCount"
          ? { ...a, dimensions: { TargetGroup: "targetgroup/x/1" } }
          : a,
      ),
    );
    const cw = new SimulatedCloudWatch(fleet, specs);
    cw.advanceTo(profile.startEpochMs + 10 * MIN);
    expect(cw.warnings.join("\n")).toMatch(
      /HealthyHostCount is published only under \{TargetGroup, LoadBalancer\}/,
    );
    expect(cw.read(["cohort-free-no-healthy-hosts"])[0]?.state).toBe("ALARM");
  });

  it("gives an ALB metric alarm with a 10 s period only missing datapoints", () => {
    const profile = simulationProfileSchema.parse({});
    const fleet = new SimulatedFleet(profile, ["free"], new Map(), "good");
    const [latency] = fixtureAlarms("free").filter((a) => a.name.endsWith("latency-p99"));
    const specs = alarmSpecsSchema.parse([{ ...latency, period: 10, treatMissingData: "missing" }]);
    const cw = new SimulatedCloudWatch(fleet, specs);
    cw.advanceTo(profile.startEpochMs + 10 * MIN);
    expect(cw.read(["cohort-free-latency-p99"])[0]?.state).toBe("INSUFFICIENT_DATA");
  });

  it("sees a high-resolution app metric sooner than the ALB's 60 s metrics", () => {
    const { profile, fleet } = world({ kind: "error-spike", errorRate: 0.2 });
    const specs = alarmSpecsSchema.parse([
      ...fixtureAlarms("free"),
      {
        kind: "metric",
        name: "cohort-free-app-errors",
        cohort: "free",
        metricName: "Errors",
        namespace: "CohortService",
        statistic: "Sum",
        period: 10,
        dimensions: { Cohort: "free" },
        comparisonOperator: "GreaterThanThreshold",
        threshold: 5,
        evaluationPeriods: 6,
        datapointsToAlarm: 3,
        treatMissingData: "notBreaching",
      },
    ]);
    const cw = new SimulatedCloudWatch(fleet, specs);
    const deployAt = profile.startEpochMs + 30 * MIN;
    cw.advanceTo(deployAt);
    fleet.setRelease("free", "bad", deployAt);
    cw.advanceTo(deployAt + 20 * MIN);
    const app = firstAlarm(cw, "cohort-free-app-errors", deployAt) as number;
    const alb = firstAlarm(cw, "cohort-free-error-rate", deployAt) as number;
    expect(app - deployAt).toBeLessThanOrEqual(60_000);
    expect(app).toBeLessThan(alb);
  });
});
