/**
 * The alarms the rehearsal simulates are the ones the component defines: the
 * example program's stacks for `prod` run under Pulumi's mocks, and every
 * MetricAlarm/CompositeAlarm they register becomes one simulated alarm.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import type { MetricAlarmSpec } from "../../stacks/rollout/rehearsal/cloudwatch/alarm-spec.js";
import type { RehearsalEnvironment } from "../../stacks/rollout/rehearsal/environment.js";
import { loadRehearsalEnvironment } from "../../stacks/rollout/rehearsal/program/component-alarms.js";
import { loadPulumiProject } from "../../stacks/rollout/rehearsal/program/project.js";
import { environmentRootStack } from "../../stacks/rollout/rehearsal/program/stack-config.js";
import { prodEnvironment } from "./support/rehearse.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PROD_YAML = fileURLToPath(new URL("../../stacks/environments/prod.yaml", import.meta.url));

interface ProdDefinition {
  alarms: {
    errorRatePercent: number;
    minRequests: number;
    latencyP99Seconds: number;
    periodSeconds: number;
    evaluationPeriods: number;
    datapointsToAlarm: number;
  };
  cohorts: { name: string; criticality: number; bakeMinutes: number }[];
}

let env: RehearsalEnvironment;
const prod = parse(readFileSync(PROD_YAML, "utf8")) as ProdDefinition;

beforeAll(async () => {
  env = await prodEnvironment();
});

function metric(name: string): MetricAlarmSpec {
  const a = env.alarms.find((x) => x.name === name);
  if (a?.kind !== "metric") throw new Error(`no metric alarm ${name}`);
  return a;
}

describe("alarms from the example program under Pulumi mocks", () => {
  it("takes cohorts, order and bakes from the environment definition", () => {
    expect(env.cohorts.map((c) => [c.name, c.criticality, c.bakeSeconds])).toEqual(
      prod.cohorts.map((c) => [c.name, c.criticality, c.bakeMinutes * 60]),
    );
    expect(env.alarmSource).toMatch(/prod, prod\.free, prod\.pro, prod\.enterprise/);
  });

  it("simulates exactly the alarms each cohort stack exports, tagged with its cohort", () => {
    for (const c of env.cohorts) {
      const exported = env.outputs?.[c.name]?.alarmNames ?? [];
      expect(exported.length).toBeGreaterThan(0);
      const simulated = env.alarms.filter((a) => a.cohort === c.name).map((a) => a.name);
      expect([...simulated].sort()).toEqual([...exported].sort());
    }
  });

  it("keeps the component's error-rate metric math, its min-traffic guard and the p99 statistic", () => {
    const t = prod.alarms;
    const free = env.cohorts[0]?.name ?? "free";
    const errorRate = env.alarms.find((a) => a.cohort === free && a.name.endsWith("error-rate"));
    if (errorRate?.kind !== "metric") throw new Error("no error-rate alarm");
    const rate = errorRate.metricQueries.find((q) => q.returnData);
    expect(rate?.expression).toMatch(new RegExp(`IF\\(req >= ${t.minRequests},`));
    expect(errorRate.metricQueries.map((q) => q.metric?.metricName).filter(Boolean)).toEqual(
      expect.arrayContaining(["HTTPCode_Target_5XX_Count", "RequestCount"]),
    );
    expect(errorRate).toMatchObject({
      threshold: t.errorRatePercent,
      evaluationPeriods: t.evaluationPeriods,
      datapointsToAlarm: t.datapointsToAlarm,
      treatMissingData: "notBreaching",
    });
    const latency = metric(errorRate.name.replace(/error-rate$/, "latency-p99"));
    expect(latency).toMatchObject({
      extendedStatistic: "p99",
      period: t.periodSeconds,
      threshold: t.latencyP99Seconds,
    });
    // Target-group metrics carry both dimensions, or CloudWatch would deliver nothing.
    expect(Object.keys(latency.dimensions).sort()).toEqual(["LoadBalancer", "TargetGroup"]);
  });

  it("finds nothing to warn about: every alarm is wired to a metric the fleet produces", async () => {
    const { SimulatedCloudWatch } =
      await import("../../stacks/rollout/rehearsal/cloudwatch/simulated-cloudwatch.js");
    const { SimulatedFleet } = await import("../../stacks/rollout/rehearsal/sim/fleet.js");
    const { simulationProfileSchema } =
      await import("../../stacks/rollout/rehearsal/sim/profile.js");
    const fleet = new SimulatedFleet(
      simulationProfileSchema.parse({}),
      env.cohorts.map((c) => c.name),
      new Map(),
      "base",
    );
    expect(new SimulatedCloudWatch(fleet, env.alarms).warnings).toEqual([]);
  });

  it("refuses an environment no stack belongs to, naming it and the fix", async () => {
    expect(() => environmentRootStack("nosuch", loadPulumiProject(ROOT))).toThrow(
      /environment "nosuch": no stack .* pass an existing environment/,
    );
    await expect(loadRehearsalEnvironment("nosuch")).rejects.toThrow(/nosuch/);
  });
});
