import {
  CloudWatchClient,
  PutCompositeAlarmCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
} from "@aws-sdk/client-cloudwatch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CloudWatchGate,
  DESCRIBE_ALARMS_BATCH,
} from "../../stacks/rollout/adapters/cloudwatch-gate.js";
import { awsTestClientConfig, ensureMoto, startMoto, type MotoServer } from "../support/moto.js";

const moto = await ensureMoto();

describe.skipIf(!moto.available)(`CloudWatchGate against moto ${moto.reason ?? ""}`, () => {
  let aws: MotoServer;
  let cw: CloudWatchClient;
  let gate: CloudWatchGate;

  const metricAlarm = (name: string, period = 60, evaluationPeriods = 3, datapointsToAlarm = 2) =>
    new PutMetricAlarmCommand({
      AlarmName: name,
      Namespace: "Cohort/Test",
      MetricName: "Errors",
      Dimensions: [{ Name: "cohort", Value: "free" }],
      Statistic: "Sum",
      Period: period,
      EvaluationPeriods: evaluationPeriods,
      DatapointsToAlarm: datapointsToAlarm,
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
    });

  beforeAll(async () => {
    aws = await startMoto();
    cw = new CloudWatchClient(awsTestClientConfig(aws.endpoint));
    gate = new CloudWatchGate({ ...awsTestClientConfig(aws.endpoint), requestTimeoutMs: 2000 });

    await cw.send(metricAlarm("free-5xx", 60, 3, 2));
    await cw.send(metricAlarm("free-latency", 300, 2, 2));
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: "free-error-rate",
        EvaluationPeriods: 5,
        DatapointsToAlarm: 3,
        Threshold: 0.05,
        ComparisonOperator: "GreaterThanThreshold",
        Metrics: [
          {
            Id: "errors",
            ReturnData: false,
            MetricStat: {
              Metric: { Namespace: "Cohort/Test", MetricName: "Errors" },
              Period: 120,
              Stat: "Sum",
            },
          },
          {
            Id: "requests",
            ReturnData: false,
            MetricStat: {
              Metric: { Namespace: "Cohort/Test", MetricName: "Requests" },
              Period: 60,
              Stat: "Sum",
            },
          },
          { Id: "rate", Expression: "errors / requests", ReturnData: true },
        ],
      }),
    );
    await cw.send(
      new PutCompositeAlarmCommand({
        AlarmName: "free-health",
        AlarmRule: 'ALARM("free-5xx") OR ALARM("free-latency") OR ALARM("free-error-rate")',
      }),
    );
    await cw.send(
      new SetAlarmStateCommand({ AlarmName: "free-5xx", StateValue: "OK", StateReason: "calm" }),
    );
    await cw.send(
      new SetAlarmStateCommand({
        AlarmName: "free-latency",
        StateValue: "ALARM",
        StateReason: "p99 high",
      }),
    );
  });

  afterAll(async () => {
    gate.close();
    cw.destroy();
    await aws.stop();
  });

  it("reads metric, metric-math and composite alarms with their states and windows", async () => {
    const readings = await gate.read([
      "free-5xx",
      "free-latency",
      "free-error-rate",
      "free-health",
    ]);
    expect(readings.map((r) => r.name)).toEqual([
      "free-5xx",
      "free-latency",
      "free-error-rate",
      "free-health",
    ]);
    const [five, latency, rate, composite] = readings;
    expect(five).toMatchObject({
      exists: true,
      kind: "metric",
      state: "OK",
      reason: "calm",
      periodSeconds: 60,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    });
    expect(typeof five?.updatedAt).toBe("number");
    expect(latency).toMatchObject({
      exists: true,
      state: "ALARM",
      reason: "p99 high",
      periodSeconds: 300,
    });
    // Metric math: the period lives on the queries; the longest bounds detection.
    expect(rate).toMatchObject({
      exists: true,
      kind: "metric",
      periodSeconds: 120,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
    });
    expect(composite).toMatchObject({ exists: true, kind: "composite" });
    expect(composite?.periodSeconds).toBeUndefined();
  });

  it("follows state changes driven by SetAlarmState", async () => {
    await cw.send(
      new SetAlarmStateCommand({
        AlarmName: "free-health",
        StateValue: "ALARM",
        StateReason: "child fired",
      }),
    );
    expect((await gate.read(["free-health"]))[0]).toMatchObject({
      state: "ALARM",
      reason: "child fired",
    });
    await cw.send(
      new SetAlarmStateCommand({
        AlarmName: "free-health",
        StateValue: "OK",
        StateReason: "recovered",
      }),
    );
    expect((await gate.read(["free-health"]))[0]).toMatchObject({
      state: "OK",
      reason: "recovered",
    });
  });

  it("reports missing alarms as exists:false, in the caller's order", async () => {
    const readings = await gate.read(["nope-1", "free-5xx", "nope-2"]);
    expect(readings).toEqual([
      { name: "nope-1", exists: false },
      expect.objectContaining({ name: "free-5xx", exists: true }),
      { name: "nope-2", exists: false },
    ]);
  });

  it("reads more than 100 alarms across batches", async () => {
    const names = Array.from({ length: 230 }, (_, i) => `bulk-${String(i).padStart(3, "0")}`);
    for (const name of names) await cw.send(metricAlarm(name));
    await cw.send(
      new SetAlarmStateCommand({ AlarmName: "bulk-007", StateValue: "ALARM", StateReason: "x" }),
    );
    await cw.send(
      new SetAlarmStateCommand({ AlarmName: "bulk-205", StateValue: "OK", StateReason: "y" }),
    );
    await cw.send(
      new SetAlarmStateCommand({
        AlarmName: "bulk-229",
        StateValue: "INSUFFICIENT_DATA",
        StateReason: "z",
      }),
    );
    expect(names.length).toBeGreaterThan(2 * DESCRIBE_ALARMS_BATCH);
    const readings = await gate.read([...names, "bulk-missing"]);
    expect(readings).toHaveLength(231);
    expect(readings.filter((r) => r.exists)).toHaveLength(230);
    expect(readings.find((r) => r.name === "bulk-007")?.state).toBe("ALARM");
    expect(readings.find((r) => r.name === "bulk-205")?.state).toBe("OK");
    expect(readings.find((r) => r.name === "bulk-229")?.state).toBe("INSUFFICIENT_DATA");
    expect(readings.at(-1)).toEqual({ name: "bulk-missing", exists: false });
  }, 120_000);

  it("asks for both alarm types, at most 100 names per call", async () => {
    const seen: { names: number; types: string[]; max: number | undefined }[] = [];
    const probe = new CloudWatchClient(awsTestClientConfig(aws.endpoint));
    probe.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "DescribeAlarmsCommand") {
          const input = args.input as {
            AlarmNames?: string[];
            AlarmTypes?: string[];
            MaxRecords?: number;
          };
          seen.push({
            names: input.AlarmNames?.length ?? 0,
            types: input.AlarmTypes ?? [],
            max: input.MaxRecords,
          });
        }
        return next(args);
      },
      { step: "initialize" },
    );
    const probed = new CloudWatchGate({ client: probe });
    const names = Array.from({ length: 230 }, (_, i) => `probe-${String(i)}`);
    const readings = await probed.read(names);
    expect(readings.every((r) => !r.exists)).toBe(true);
    expect(seen.map((s) => s.names)).toEqual([100, 100, 30]);
    expect(
      seen.every((s) => s.max === 100 && s.types.join() === "MetricAlarm,CompositeAlarm"),
    ).toBe(true);
    probed.close();
  });

  // Must run last: it stops the emulator.
  it("rejects reads once the API is gone mid-bake, so the caller can fail closed", async () => {
    expect((await gate.read(["free-5xx"]))[0]?.exists).toBe(true);
    await aws.stop();
    await expect(gate.read(["free-5xx"])).rejects.toThrow();
  });
});

describe("CloudWatchGate pagination", () => {
  it("follows NextToken until the last page", async () => {
    const tokens: (string | undefined)[] = [];
    // A stand-in for the SDK client: moto answers in one page, so the
    // NextToken loop is exercised with canned pages here.
    const client = {
      send: (command: { input: { NextToken?: string } }) => {
        tokens.push(command.input.NextToken);
        const page = command.input.NextToken === undefined ? 1 : Number(command.input.NextToken);
        return Promise.resolve({
          MetricAlarms: [{ AlarmName: `a${String(page)}`, StateValue: "OK", Period: 60 }],
          CompositeAlarms: page === 3 ? [{ AlarmName: "c", StateValue: "ALARM" }] : [],
          NextToken: page < 3 ? String(page + 1) : undefined,
        });
      },
      destroy: () => undefined,
    } as unknown as CloudWatchClient; // only send/destroy are used by the gate
    const gate = new CloudWatchGate({ client });
    const readings = await gate.read(["a1", "a2", "a3", "c", "gone"]);
    expect(tokens).toEqual([undefined, "2", "3"]);
    expect(readings.map((r) => [r.name, r.exists, r.state, r.kind])).toEqual([
      ["a1", true, "OK", "metric"],
      ["a2", true, "OK", "metric"],
      ["a3", true, "OK", "metric"],
      ["c", true, "ALARM", "composite"],
      ["gone", false, undefined, undefined],
    ]);
  });
});
