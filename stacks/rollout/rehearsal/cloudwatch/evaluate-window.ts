/**
 * One metric alarm evaluation, as CloudWatch documents it: the most recent
 * `evaluationPeriods` datapoints are each breaching, not breaching or
 * missing; `treatMissingData` decides what missing ones mean; the alarm goes
 * to ALARM when at least `datapointsToAlarm` of them breach.
 */
import type { AlarmStateValue } from "../../core/ports.js";
import type { TreatMissingData } from "./alarm-spec.js";

export type Comparison =
  | "GreaterThanOrEqualToThreshold"
  | "GreaterThanThreshold"
  | "LessThanThreshold"
  | "LessThanOrEqualToThreshold"
  | "LessThanLowerOrGreaterThanUpperThreshold"
  | "LessThanLowerThreshold"
  | "GreaterThanUpperThreshold";

export function breaches(op: Comparison, value: number, threshold: number): boolean {
  switch (op) {
    case "GreaterThanOrEqualToThreshold":
      return value >= threshold;
    case "GreaterThanThreshold":
    case "GreaterThanUpperThreshold":
      return value > threshold;
    case "LessThanThreshold":
    case "LessThanLowerThreshold":
      return value < threshold;
    case "LessThanOrEqualToThreshold":
      return value <= threshold;
    case "LessThanLowerOrGreaterThanUpperThreshold":
      // Anomaly-detection bands are not simulated; treat the threshold as an upper band.
      return value > threshold;
  }
}

export interface WindowInput {
  /** One entry per period, oldest first: true = breaching, false = not, undefined = missing. */
  points: (boolean | undefined)[];
  datapointsToAlarm: number;
  treatMissingData: TreatMissingData;
  current: AlarmStateValue;
}

/**
 * The state after this evaluation. With `missing` and `ignore`, missing
 * points are left out; when fewer points remain than `datapointsToAlarm`, the
 * alarm breaches only if every remaining point breaches (the documented
 * table: "- - X" with 3 of 3 goes to ALARM, "0 - -" stays OK).
 */
export function evaluateWindow(w: WindowInput): AlarmStateValue {
  const { points, datapointsToAlarm: m } = w;
  if (w.treatMissingData === "breaching" || w.treatMissingData === "notBreaching") {
    const filled = points.map((p) => p ?? w.treatMissingData === "breaching");
    return filled.filter(Boolean).length >= m ? "ALARM" : "OK";
  }
  const present = points.filter((p): p is boolean => p !== undefined);
  if (present.length === 0)
    return w.treatMissingData === "ignore" ? w.current : "INSUFFICIENT_DATA";
  const breaching = present.filter(Boolean).length;
  if (present.length >= m) return breaching >= m ? "ALARM" : "OK";
  return breaching === present.length ? "ALARM" : "OK";
}
