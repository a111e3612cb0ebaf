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

/** What the ALB alarm builders need of a cohort (the Kubernetes platform passes its own). */
export type AlarmContext = Pick<
  CohortContext,
  "environment" | "cohort" | "names" | "tags" | "logical" | "opts"
>;

/** The ALB metric alarms, in the order they are created. */
export const ALB_ALARM_KINDS = [
  "error-rate",
  "latency-p99",
  "unhealthy-hosts",
  "no-healthy-hosts",
] as const satisfies readonly AlarmKind[];

type AlarmShape = { periodSeconds: number; evaluationPeriods: number; datapointsToAlarm: number };

/** Each ALB alarm's window: the host-count alarms look at two periods, whatever the spec says. */
function albAlarmShapes(ctx: AlarmContext): Record<(typeof ALB_ALARM_KINDS)[number], AlarmShape> {
  const t = ctx.environment.alarms;
  const shape = {
    periodSeconds: t.periodSeconds,
    evaluationPeriods: t.evaluationPeriods,
    datapointsToAlarm: t.datapointsToAlarm,
  };
  const hosts = { periodSeconds: t.periodSeconds, evaluationPeriods: 2, datapointsToAlarm: 2 };
  return {
    "error-rate": shape,
    "latency-p99": shape,
    "unhealthy-hosts": hosts,
    "no-healthy-hosts": hosts,
  };
}

/**
 * The ALB alarms' names and shapes without creating them, for alarms made elsewhere: the same
 * details `createAlbAlarms` returns.
 * @param ctx the cohort's names and alarm thresholds.
 */
export function albAlarmDetails(ctx: AlarmContext): AlarmOutput[] {
  const shapes = albAlarmShapes(ctx);
  return ALB_ALARM_KINDS.map((kind) => ({
    name: ctx.names.alarm(kind),
    kind: "metric" as const,
    ...shapes[kind],
  }));
}

/** The ALB metric alarms of one cohort, without its composite. */
export interface AlbAlarms {
  metricAlarms: aws.cloudwatch.MetricAlarm[];
  /** Alarms ECS watches during its own deployments (excludes the warm-up-gated one). */
  deploymentAlarmNames: string[];
  details: AlarmOutput[];
}

export interface CohortAlarms {
  metricAlarms: aws.cloudwatch.MetricAlarm[];
  composite: aws.cloudwatch.CompositeAlarm;
  /** Alarms ECS watches during its own deployments (excludes the warm-up-gated one). */
  deploymentAlarmNames: string[];
  details: AlarmOutput[];
}

/**
 * Creates the cohort's ALB metric alarms (5xx rate, p99 latency, unhealthy and no healthy
 * hosts) on its own target group and load balancer; the caller joins them into its composite.
 * @param ctx the cohort's names, tags, thresholds and parent.
 * @param targets the ARN suffixes of the cohort's target group and of its load balancer.
 */
export function createAlbAlarms(ctx: AlarmContext, targets: AlarmTargets): AlbAlarms {
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
  const shapes = albAlarmShapes(ctx);
  const alarm = (
    kind: (typeof ALB_ALARM_KINDS)[number],
    args: Omit<aws.cloudwatch.MetricAlarmArgs, "name" | "tags">,
  ): aws.cloudwatch.MetricAlarm => {
    const shape = shapes[kind];
    const name = ctx.names.alarm(kind);
    details.push({ name, kind: "metric", ...shape });
    return new aws.cloudwatch.MetricAlarm(
      `${ctx.logical}-${kind}`,
      { ...args, name, tags: ctx.tags },
      ctx.opts,
    );
  };
  const errorRate = alarm("error-rate", {
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
  });
  const latency = alarm("latency-p99", {
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
  });
  const unhealthy = alarm("unhealthy-hosts", {
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
  });
  const noHealthy = alarm("no-healthy-hosts", {
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
  });
  return {
    metricAlarms: [errorRate, latency, unhealthy, noHealthy],
    deploymentAlarmNames: [
      ctx.names.alarm("error-rate"),
      ctx.names.alarm("latency-p99"),
      ctx.names.alarm("unhealthy-hosts"),
    ],
    details,
  };
}

/**
 * Creates the cohort's ALB metric alarms and its composite, the cohort's single gate.
 * @param ctx the cohort's names, tags, thresholds and parent.
 * @param targets the ARN suffixes of the cohort's target group and of its load balancer.
 */
export function createAlarms(ctx: AlarmContext, targets: AlarmTargets): CohortAlarms {
  const { metricAlarms, deploymentAlarmNames, details } = createAlbAlarms(ctx, targets);
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
  return {
    metricAlarms,
    composite,
    deploymentAlarmNames,
    details: [...details, { name: compositeName, kind: "composite" }],
  };
}
