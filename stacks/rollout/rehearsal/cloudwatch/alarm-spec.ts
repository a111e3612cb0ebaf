/**
 * The alarms a rehearsal evaluates, as the component declares them: the
 * inputs of `aws.cloudwatch.MetricAlarm` and `aws.cloudwatch.CompositeAlarm`
 * resources recorded while the example program runs under Pulumi's mocks.
 * Field names are the provider's (reference/providers.md §1.4).
 */
import { z } from "zod";

const dimensionsSchema = z.record(z.string(), z.string()).default({});

export const metricStatSchema = z.object({
  metricName: z.string().min(1),
  namespace: z.string().min(1),
  period: z.number().int().positive(),
  stat: z.string().min(1),
  unit: z.string().optional(),
  dimensions: dimensionsSchema,
});

export const metricQuerySchema = z
  .object({
    id: z.string().min(1),
    expression: z.string().min(1).optional(),
    label: z.string().optional(),
    returnData: z.boolean().optional(),
    period: z.number().int().positive().optional(),
    metric: metricStatSchema.optional(),
  })
  .refine((q) => (q.expression === undefined) !== (q.metric === undefined), {
    message: "a metric query has exactly one of expression and metric",
  });
export type MetricQuery = z.infer<typeof metricQuerySchema>;

export const comparisonOperatorSchema = z.enum([
  "GreaterThanOrEqualToThreshold",
  "GreaterThanThreshold",
  "LessThanThreshold",
  "LessThanOrEqualToThreshold",
  "LessThanLowerOrGreaterThanUpperThreshold",
  "LessThanLowerThreshold",
  "GreaterThanUpperThreshold",
]);

export const treatMissingDataSchema = z.enum(["missing", "ignore", "breaching", "notBreaching"]);
export type TreatMissingData = z.infer<typeof treatMissingDataSchema>;

export const metricAlarmSpecSchema = z
  .object({
    kind: z.literal("metric"),
    name: z.string().min(1),
    /** The cohort the alarm belongs to (its `cohort` tag). */
    cohort: z.string().min(1).optional(),
    metricName: z.string().optional(),
    namespace: z.string().optional(),
    statistic: z.string().optional(),
    extendedStatistic: z.string().optional(),
    period: z.number().int().positive().optional(),
    dimensions: dimensionsSchema,
    metricQueries: z.array(metricQuerySchema).default([]),
    evaluationPeriods: z.number().int().positive(),
    datapointsToAlarm: z.number().int().positive().optional(),
    threshold: z.number().optional(),
    comparisonOperator: comparisonOperatorSchema,
    treatMissingData: treatMissingDataSchema.default("missing"),
    evaluateLowSampleCountPercentiles: z.enum(["evaluate", "ignore"]).optional(),
  })
  .superRefine((a, ctx) => {
    if (a.metricQueries.length > 0) {
      if (a.metricName !== undefined || a.period !== undefined) {
        ctx.addIssue({
          code: "custom",
          message: "an alarm with metricQueries has no top-level metricName or period",
        });
      }
      if (a.metricQueries.filter((q) => q.returnData === true).length !== 1) {
        ctx.addIssue({
          code: "custom",
          path: ["metricQueries"],
          message: "exactly one metric query must have returnData: true",
        });
      }
    } else if (a.metricName === undefined || a.namespace === undefined || a.period === undefined) {
      ctx.addIssue({
        code: "custom",
        message: "a single-metric alarm needs metricName, namespace and period",
      });
    } else if ((a.statistic === undefined) === (a.extendedStatistic === undefined)) {
      ctx.addIssue({
        code: "custom",
        message: "exactly one of statistic and extendedStatistic is needed",
      });
    }
    if (a.datapointsToAlarm !== undefined && a.datapointsToAlarm > a.evaluationPeriods) {
      ctx.addIssue({
        code: "custom",
        path: ["datapointsToAlarm"],
        message: "datapointsToAlarm cannot exceed evaluationPeriods",
      });
    }
  });
export type MetricAlarmSpec = z.infer<typeof metricAlarmSpecSchema>;

export const compositeAlarmSpecSchema = z.object({
  kind: z.literal("composite"),
  name: z.string().min(1),
  cohort: z.string().min(1).optional(),
  alarmRule: z.string().min(1),
});
export type CompositeAlarmSpec = z.infer<typeof compositeAlarmSpecSchema>;

export const alarmSpecSchema = z.union([metricAlarmSpecSchema, compositeAlarmSpecSchema]);
export type AlarmSpec = z.infer<typeof alarmSpecSchema>;
export type AlarmSpecInput = z.input<typeof alarmSpecSchema>;

export const alarmSpecsSchema = z.array(alarmSpecSchema);

/** The evaluation period of a metric alarm, in seconds. */
export function alarmPeriodSeconds(a: MetricAlarmSpec): number {
  if (a.period !== undefined) return a.period;
  const periods = a.metricQueries
    .map((q) => q.metric?.period ?? q.period)
    .filter((p) => p !== undefined);
  return periods.length > 0 ? Math.min(...periods) : 60;
}
