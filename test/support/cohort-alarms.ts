/**
 * The CloudWatch alarms of a Kubernetes cohort whose program declares them `external`
 * (components/kubernetes/args.ts), created in moto under exactly the names the cohort exports,
 * and their state set as CloudWatch would set it when a metric breaches.
 */
import {
  CloudWatchClient,
  PutCompositeAlarmCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
} from "@aws-sdk/client-cloudwatch";
import type { CohortOutput } from "../../components/contract.js";
import { awsTestClientConfig } from "./moto.js";

/**
 * Creates in moto the alarms a cohort exports (their names exactly as exported: the program
 * declares them `external`), in state OK, so the rollout's gates read a healthy cohort.
 * @param endpoint the AWS endpoint.
 * @param output the cohort's exported CohortOutput.
 */
export async function createCohortAlarms(endpoint: string, output: CohortOutput): Promise<void> {
  const client = new CloudWatchClient(awsTestClientConfig(endpoint));
  const metrics = output.alarms.filter((a) => a.kind === "metric");
  for (const alarm of metrics) {
    await client.send(
      new PutMetricAlarmCommand({
        AlarmName: alarm.name,
        Namespace: "ContainerInsights",
        MetricName: alarm.name.endsWith("-restarts")
          ? "pod_number_of_container_restarts"
          : "service_number_of_running_pods",
        Dimensions: [
          { Name: "ClusterName", Value: "demo" },
          { Name: "Namespace", Value: `cohort-${output.name}` },
        ],
        Statistic: "Maximum",
        Period: alarm.periodSeconds ?? 60,
        EvaluationPeriods: alarm.evaluationPeriods ?? 1,
        Threshold: 0,
        ComparisonOperator: "GreaterThanThreshold",
      }),
    );
  }
  await client.send(
    new PutCompositeAlarmCommand({
      AlarmName: output.compositeAlarmName,
      AlarmRule: metrics.map((a) => `ALARM("${a.name}")`).join(" OR "),
    }),
  );
  for (const name of output.alarmNames) await setAlarmState(endpoint, name, "OK");
  client.destroy();
}

/**
 * Sets an alarm's state in moto, as CloudWatch would when its metric breaches.
 * @param endpoint the AWS endpoint.
 * @param name the alarm.
 * @param state its new state.
 */
export async function setAlarmState(
  endpoint: string,
  name: string,
  state: "OK" | "ALARM",
): Promise<void> {
  const client = new CloudWatchClient(awsTestClientConfig(endpoint));
  await client.send(
    new SetAlarmStateCommand({
      AlarmName: name,
      StateValue: state,
      StateReason: "set by hand in the emulator",
    }),
  );
  client.destroy();
}
