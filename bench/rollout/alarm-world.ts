/**
 * The alarms the benchmark drives: real CloudWatch API calls against the
 * moto emulator (PutMetricAlarm, SetAlarmState, read back by the real
 * CloudWatchGate with DescribeAlarms) when moto can be provisioned; else an
 * in-memory stand-in, and the benchmark says so.
 */
import {
  CloudWatchClient,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
} from "@aws-sdk/client-cloudwatch";
import { CloudWatchGate } from "../../stacks/rollout/adapters/cloudwatch-gate.js";
import { realClock } from "../../stacks/rollout/adapters/real-clock.js";
import type { AlarmStateValue, HealthGate } from "../../stacks/rollout/core/ports.js";
import { ScriptedGate } from "../../test/kit/gate.js";
import { awsTestClientConfig, motoAvailability, startMoto } from "../../test/support/moto.js";

export const ALARM_PERIOD_SECONDS = 10;

export interface AlarmWorld {
  /** What backs the gate, for the benchmark's output. */
  label: string;
  gate: HealthGate;
  create(names: string[]): Promise<void>;
  set(name: string, state: AlarmStateValue): Promise<void>;
  close(): Promise<void>;
}

function memoryWorld(reason: string): AlarmWorld {
  const states = new Map<string, AlarmStateValue>();
  // The test kit's scripted gate, on the real clock: an alarm reads as set, or as missing.
  const gate = new ScriptedGate(realClock, {
    periodSeconds: ALARM_PERIOD_SECONDS,
    evaluationPeriods: 1,
  });
  gate.script = (name) => states.get(name) ?? "MISSING";
  return {
    label: `in-memory gate (moto unavailable: ${reason})`,
    gate,
    create: (names) => {
      for (const n of names) states.set(n, "OK");
      return Promise.resolve();
    },
    set: (name, state) => {
      states.set(name, state);
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
}

export async function alarmWorld(): Promise<AlarmWorld> {
  const availability = motoAvailability();
  if (!availability.available) return memoryWorld(availability.reason ?? "unknown");
  const moto = await startMoto();
  const config = awsTestClientConfig(moto.endpoint);
  const cw = new CloudWatchClient(config);
  const gate = new CloudWatchGate({ ...config, requestTimeoutMs: 2_000 });
  const set = async (name: string, state: AlarmStateValue) => {
    await cw.send(
      new SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: "benchmark" }),
    );
  };
  return {
    label: `moto CloudWatch at ${moto.endpoint} (PutMetricAlarm/SetAlarmState, read by CloudWatchGate via DescribeAlarms)`,
    gate,
    async create(names) {
      for (const name of names) {
        await cw.send(
          new PutMetricAlarmCommand({
            AlarmName: name,
            Namespace: "Bench/Rollout",
            MetricName: "Errors",
            Statistic: "Sum",
            Period: ALARM_PERIOD_SECONDS,
            EvaluationPeriods: 1,
            Threshold: 1,
            ComparisonOperator: "GreaterThanOrEqualToThreshold",
          }),
        );
        await set(name, "OK");
      }
    },
    set,
    async close() {
      gate.close();
      cw.destroy();
      await moto.stop();
    },
  };
}
