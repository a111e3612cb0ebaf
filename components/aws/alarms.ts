/**
 * A cohort's health gate: metric alarms on its own target group AND load
 * balancer (target-group metrics exist only under both dimensions; with
 * TargetGroup alone an alarm silently receives nothing), and one composite
 * alarm that is the cohort's single gate for the rollout program.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AlarmOutput } from "../contract.js";
import type { AlarmKind } from "../naming.js";
import type { CohortContext } from "./context.js";

const NAMESPACE = "AWS/ApplicationELB";

export interface AlarmTargets {
  targetGroupArnSuffix: pulumi.Input<string>;
  loadBalancerArnSuffix: pulumi.Input<string>;
}

export interface CohortAlarms {
  metricAlarms: aws.cloudwatch.MetricAlarm[];
  composite: aws.cloudwatch.CompositeAlarm;
  /** Alarms ECS watches during its own deployments (excludes the warm-up-gated one). */
  deploymentAlarmNames: string[];
  details: AlarmOutput[];
}

export function createAlarms(ctx: CohortContext, targets: AlarmTargets): CohortAlarms {
  const t = ctx.environment.alarms;
  const dimensions = {
    TargetGroup: targets.targetGroupArnSuffix,
    LoadBalancer: targets.loadBalancerArnSuffix,
  };
  const window = {
    evaluationPeriods: t.evaluationPeriods,
    datapointsToAlarm: t.datapointsToAlarm,
  };
  const details: AlarmOutput[] = [];
  const alarm = (
    kind: AlarmKind,
    args: Omit<aws.cloudwatch.MetricAlarmArgs, "name" | "tags">,
    shape: { periodSeconds: number; evaluationPeriods: number; datapointsToAlarm: number },
  ): aws.cloudwatch.MetricAlarm => {
    const name = ctx.names.alarm(kind);
    details.push({ name, kind: "metric", ...shape });
    return new aws.cloudwatch.MetricAlarm(
      `${ctx.logical}-${kind}`,
      { ...args, name, tags: ctx.tags },
      ctx.opts,
    );
  };
  const shape = { periodSeconds: t.periodSeconds, ...window };

  const errorRate = alarm(
    "error-rate",
    {
      alarmDescription: `5xx rate of cohort ${ctx.cohort.name} above ${t.errorRatePercent}% (with at least ${t.minRequests} requests)`,
      comparisonOperator: "GreaterThanThreshold",
      threshold: t.errorRatePercent,
      ...window,
      treatMissingData: "notBreaching",
      metricQueries: [
        {
          id: "e5xx",
          returnData: false,
          metric: {
            namespace: NAMESPACE,
            metricName: "HTTPCode_Target_5XX_Count",
            stat: "Sum",
            period: t.periodSeconds,
            dimensions,
          },
        },
        {
          id: "req",
          returnData: false,
          metric: {
            namespace: NAMESPACE,
            metricName: "RequestCount",
            stat: "Sum",
            period: t.periodSeconds,
            dimensions,
          },
        },
        {
          id: "rate",
          label: "5xx percent",
          // Below the traffic guard a handful of errors must not read as a high rate.
          expression: `IF(req >= ${t.minRequests}, 100 * FILL(e5xx, 0) / req, 0)`,
          returnData: true,
        },
      ],
    },
    shape,
  );
  const latency = alarm(
    "latency-p99",
    {
      alarmDescription: `p99 latency of cohort ${ctx.cohort.name} above ${t.latencyP99Seconds}s`,
      namespace: NAMESPACE,
      metricName: "TargetResponseTime",
      extendedStatistic: "p99",
      period: t.periodSeconds,
      comparisonOperator: "GreaterThanThreshold",
      threshold: t.latencyP99Seconds,
      ...window,
      evaluateLowSampleCountPercentiles: "ignore",
      treatMissingData: "notBreaching",
      dimensions,
    },
    shape,
  );
  const hostShape = { periodSeconds: t.periodSeconds, evaluationPeriods: 2, datapointsToAlarm: 2 };
  const unhealthy = alarm(
    "unhealthy-hosts",
    {
      alarmDescription: `cohort ${ctx.cohort.name} has unhealthy targets`,
      namespace: NAMESPACE,
      metricName: "UnHealthyHostCount",
      statistic: "Maximum",
      period: t.periodSeconds,
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: "notBreaching",
      dimensions,
    },
    hostShape,
  );
  const noHealthy = alarm(
    "no-healthy-hosts",
    {
      alarmDescription: `cohort ${ctx.cohort.name} has no healthy targets (also fires when mis-wired)`,
      namespace: NAMESPACE,
      metricName: "HealthyHostCount",
      statistic: "Minimum",
      period: t.periodSeconds,
      comparisonOperator: "LessThanThreshold",
      threshold: 1,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      // HealthyHostCount always exists when wired right: silence is a failure.
      treatMissingData: "breaching",
      warmUpConfiguration: { warmUpPeriodDurationInMinutes: t.warmUpMinutes },
      dimensions,
    },
    hostShape,
  );
  const metricAlarms = [errorRate, latency, unhealthy, noHealthy];
  const names = details.map((d) => d.name);
  const compositeName = ctx.names.compositeAlarm;
  const composite = new aws.cloudwatch.CompositeAlarm(
    `${ctx.logical}-health`,
    {
      alarmName: compositeName,
      alarmDescription: `Health gate of cohort ${ctx.cohort.name}: any of its alarms`,
      alarmRule: names.map((n) => `ALARM("${n}")`).join(" OR "),
      tags: ctx.tags,
    },
    { ...ctx.opts, dependsOn: metricAlarms },
  );
  details.push({ name: compositeName, kind: "composite" });
  return {
    metricAlarms,
    composite,
    deploymentAlarmNames: [
      ctx.names.alarm("error-rate"),
      ctx.names.alarm("latency-p99"),
      ctx.names.alarm("unhealthy-hosts"),
    ],
    details,
  };
}
