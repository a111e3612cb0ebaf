/**
 * HealthGate over CloudWatch DescribeAlarms (AWS SDK v3).
 *
 * Reads are batched by 100 names (the API's limit per call), ask for both
 * metric and composite alarms, and follow NextToken. A declared alarm that
 * CloudWatch does not know is reported `exists: false` so the gate fails
 * closed. API errors propagate: the runner retries and then fails closed.
 */
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  type CompositeAlarm,
  type MetricAlarm,
} from "@aws-sdk/client-cloudwatch";
import type { AlarmReading, AlarmStateValue, HealthGate } from "../core/ports.js";
import { awsClientSettings, type AwsAdapterOptions } from "./aws-client-config.js";

/** DescribeAlarms accepts at most 100 AlarmNames per call. */
export const DESCRIBE_ALARMS_BATCH = 100;

export interface CloudWatchGateOptions extends AwsAdapterOptions {
  /** Use this client instead of building one (shares connections, custom middleware). */
  client?: CloudWatchClient;
}

export class CloudWatchGate implements HealthGate {
  private readonly client: CloudWatchClient;

  constructor(options: CloudWatchGateOptions = {}) {
    this.client = options.client ?? new CloudWatchClient(awsClientSettings(options));
  }

  async read(alarmNames: string[]): Promise<AlarmReading[]> {
    const unique = [...new Set(alarmNames)];
    const found = new Map<string, AlarmReading>();
    for (let i = 0; i < unique.length; i += DESCRIBE_ALARMS_BATCH) {
      const batch = unique.slice(i, i + DESCRIBE_ALARMS_BATCH);
      for (const reading of await this.describe(batch)) found.set(reading.name, reading);
    }
    // One reading per requested name, in the caller's order (duplicates kept).
    return alarmNames.map((name) => found.get(name) ?? { name, exists: false });
  }

  private async describe(names: string[]): Promise<AlarmReading[]> {
    const readings: AlarmReading[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(
        new DescribeAlarmsCommand({
          AlarmNames: names,
          AlarmTypes: ["MetricAlarm", "CompositeAlarm"],
          MaxRecords: DESCRIBE_ALARMS_BATCH,
          NextToken: nextToken,
        }),
      );
      for (const alarm of page.MetricAlarms ?? []) readings.push(fromMetricAlarm(alarm));
      for (const alarm of page.CompositeAlarms ?? []) readings.push(fromCompositeAlarm(alarm));
      nextToken = page.NextToken;
    } while (nextToken);
    return readings;
  }

  /** Release the client's sockets. */
  close(): void {
    this.client.destroy();
  }
}

function stateOf(value: string | undefined): AlarmStateValue | undefined {
  return value === "OK" || value === "ALARM" || value === "INSUFFICIENT_DATA" ? value : undefined;
}

function common(
  name: string,
  state: string | undefined,
  reason: string | undefined,
  updated: Date | undefined,
): AlarmReading {
  const reading: AlarmReading = { name, exists: true };
  const value = stateOf(state);
  if (value !== undefined) reading.state = value;
  if (reason !== undefined) reading.reason = reason;
  if (updated !== undefined) reading.updatedAt = updated.getTime();
  return reading;
}

function fromMetricAlarm(alarm: MetricAlarm): AlarmReading {
  const reading = common(
    alarm.AlarmName ?? "",
    alarm.StateValue,
    alarm.StateReason,
    alarm.StateUpdatedTimestamp,
  );
  reading.kind = "metric";
  const period = alarm.Period ?? metricMathPeriod(alarm);
  if (period !== undefined) reading.periodSeconds = period;
  if (alarm.EvaluationPeriods !== undefined) reading.evaluationPeriods = alarm.EvaluationPeriods;
  if (alarm.DatapointsToAlarm !== undefined) reading.datapointsToAlarm = alarm.DatapointsToAlarm;
  return reading;
}

/**
 * A metric-math alarm has no top-level Period: each query carries its own.
 * The longest one bounds how slowly the alarm can react, so it sizes the bake.
 */
function metricMathPeriod(alarm: MetricAlarm): number | undefined {
  const periods = (alarm.Metrics ?? [])
    .map((query) => query.MetricStat?.Period ?? query.Period)
    .filter((p): p is number => typeof p === "number" && p > 0);
  return periods.length > 0 ? Math.max(...periods) : undefined;
}

function fromCompositeAlarm(alarm: CompositeAlarm): AlarmReading {
  const reading = common(
    alarm.AlarmName ?? "",
    alarm.StateValue,
    alarm.StateReason,
    alarm.StateUpdatedTimestamp,
  );
  reading.kind = "composite";
  return reading;
}
