/**
 * A cohort's health gate on Kubernetes, as CloudWatch alarms (the rollout gates on CloudWatch
 * on every platform): Container Insights metrics of the cohort's own namespace and workload
 * (running pods below the desired count; container restarts); behind the shared AWS load
 * balancer, the AWS platform's ALB alarms on the cohort's own target group (the same builder);
 * and one composite alarm over all of them, the cohort's single gate. Names are those of the
 * AWS platform (`cohort-<env>-<cohort>-<kind>`).
 */
import * as aws from "@pulumi/aws";
import { albAlarmDetails, createAlbAlarms, type AlarmTargets } from "../aws/alarms.js";
import type { AlarmOutput } from "../contract.js";
import { awsCohortView, type KubernetesCohortContext } from "./context.js";
import type { AlarmKind } from "../naming.js";

const NAMESPACE = "ContainerInsights";

/** The metric alarms a Kubernetes cohort has, in the order they are created. */
export const ALARM_KINDS_ON_KUBERNETES = [
  "running-pods",
  "restarts",
] as const satisfies readonly AlarmKind[];

export interface KubernetesAlarms {
  details: AlarmOutput[];
  /** The composite alarm; undefined when the alarms are `external`. */
  composite: aws.cloudwatch.CompositeAlarm | undefined;
}

/**
 * Creates the cohort's metric alarms and its composite; with `alarms: external`, only names them.
 * @param ctx the cohort's names, labels, settings and options.
 * @param alb the cohort's target group and the shared ALB, when it sits behind one.
 */
export function createKubernetesAlarms(
  ctx: KubernetesCohortContext,
  alb: AlarmTargets | undefined,
): KubernetesAlarms {
  const t = ctx.environment.alarms;
  const shape = {
    periodSeconds: t.periodSeconds,
    evaluationPeriods: t.evaluationPeriods,
    datapointsToAlarm: t.datapointsToAlarm,
  };
  if (ctx.settings.alarms === "external") {
    // The same names and shapes as below: the rollout cannot tell who created them.
    return {
      details: [
        ...ALARM_KINDS_ON_KUBERNETES.map((kind) => ({
          name: ctx.cloudNames.alarm(kind),
          kind: "metric" as const,
          ...shape,
        })),
        ...(alb !== undefined ? albAlarmDetails(awsCohortView(ctx)) : []),
        { name: ctx.cloudNames.compositeAlarm, kind: "composite" },
      ],
      composite: undefined,
    };
  }
  const base = {
    dimensions: {
      ClusterName: ctx.settings.clusterName,
      Namespace: ctx.names.namespace,
    },
    namespace: NAMESPACE,
    period: t.periodSeconds,
    evaluationPeriods: t.evaluationPeriods,
    datapointsToAlarm: t.datapointsToAlarm,
    tags: ctx.labels,
  };
  const details: AlarmOutput[] = [];
  const alarm = (kind: AlarmKind, args: Omit<aws.cloudwatch.MetricAlarmArgs, "name" | "tags">) => {
    const name = ctx.cloudNames.alarm(kind);
    details.push({ name, kind: "metric", ...shape });
    return new aws.cloudwatch.MetricAlarm(
      `${ctx.logical}-${kind}`,
      { ...args, name, tags: ctx.labels },
      ctx.cloudOpts,
    );
  };
  const desired = ctx.cohort.desiredCount;
  const runningPods = alarm("running-pods", {
    ...base,
    alarmDescription: `Fewer running pods than the ${desired} desired in namespace ${ctx.names.namespace}`,
    metricName: "service_number_of_running_pods",
    dimensions: { ...base.dimensions, Service: ctx.names.service },
    statistic: "Minimum",
    comparisonOperator: "LessThanThreshold",
    threshold: desired,
    // No datapoint from a cohort that should run pods means none is running.
    treatMissingData: desired > 0 ? "breaching" : "notBreaching",
  });
  const restarts = alarm("restarts", {
    ...base,
    alarmDescription: `Containers restarting in namespace ${ctx.names.namespace}`,
    metricName: "pod_number_of_container_restarts",
    dimensions: { ...base.dimensions, PodName: ctx.names.workload },
    statistic: "Maximum",
    comparisonOperator: "GreaterThanThreshold",
    threshold: 0,
    treatMissingData: "notBreaching",
  });
  const albAlarms = alb !== undefined ? createAlbAlarms(awsCohortView(ctx), alb) : undefined;
  details.push(...(albAlarms?.details ?? []));
  const compositeName = ctx.cloudNames.compositeAlarm;
  const composite = new aws.cloudwatch.CompositeAlarm(
    `${ctx.logical}-health`,
    {
      alarmName: compositeName,
      alarmDescription: `Health of cohort ${ctx.cohort.name} (${ctx.environment.name}): the rollout's gate`,
      alarmRule: details.map((d) => `ALARM("${d.name}")`).join(" OR "),
      tags: ctx.labels,
    },
    { ...ctx.cloudOpts, dependsOn: [runningPods, restarts, ...(albAlarms?.metricAlarms ?? [])] },
  );
  details.push({ name: compositeName, kind: "composite" });
  return { details, composite };
}
