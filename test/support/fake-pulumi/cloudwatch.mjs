// What a deployed release does to a cohort's health: the fake "creates" the
// cohort's alarms in a CloudWatch emulator (moto, loopback only) and sets
// them OK for a good version or ALARM for a bad one.
import {
  CloudWatchClient,
  PutCompositeAlarmCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
} from "@aws-sdk/client-cloudwatch";

export async function applyAlarmEffects(cohort, alarms, bad) {
  const endpoint = process.env.FAKE_PULUMI_CLOUDWATCH_ENDPOINT;
  if (!endpoint) return;
  const client = new CloudWatchClient({
    endpoint,
    region: process.env.AWS_REGION ?? "us-east-1",
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    maxAttempts: 2,
  });
  try {
    const metrics = alarms.filter((a) => a.kind !== "composite");
    for (const alarm of metrics) {
      await client.send(
        new PutMetricAlarmCommand({
          AlarmName: alarm.name,
          Namespace: "CohortService",
          MetricName: alarm.name,
          Dimensions: [{ Name: "cohort", Value: cohort }],
          Statistic: "Sum",
          Period: alarm.periodSeconds ?? 60,
          EvaluationPeriods: alarm.evaluationPeriods ?? 3,
          DatapointsToAlarm: alarm.datapointsToAlarm ?? 2,
          Threshold: 1,
          ComparisonOperator: "GreaterThanOrEqualToThreshold",
        }),
      );
    }
    for (const alarm of alarms.filter((a) => a.kind === "composite")) {
      await client.send(
        new PutCompositeAlarmCommand({
          AlarmName: alarm.name,
          AlarmRule: metrics.map((m) => `ALARM("${m.name}")`).join(" OR ") || "FALSE",
        }),
      );
    }
    const state = bad ? "ALARM" : "OK";
    const reason = bad ? "fake-pulumi: bad version deployed" : "fake-pulumi: healthy";
    for (const alarm of alarms) {
      await client.send(
        new SetAlarmStateCommand({ AlarmName: alarm.name, StateValue: state, StateReason: reason }),
      );
    }
  } finally {
    client.destroy();
  }
}
