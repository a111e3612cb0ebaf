/**
 * Where an alarm's metric comes from in the simulated fleet, and how
 * CloudWatch would aggregate it over one period. The rules that make a gate
 * silently blind in real life hold here too: ALB metrics exist only at 60 s
 * resolution and only under {TargetGroup, LoadBalancer}; count metrics are
 * absent, not zero, when nothing happened; datapoints become visible only
 * after the publication lag.
 */
import type { SimulatedFleet, Slice } from "../sim/fleet.js";
import { mixtureMean, mixtureQuantile, type LogNormalComponent } from "../sim/latency.js";

type Signal = "requests" | "errors" | "latency" | "healthy" | "unhealthy" | "throttles";

export interface MetricRef {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
}

export interface ResolvedSource {
  signal: Signal;
  /** Native resolution of the metric, seconds. */
  resolutionSeconds: number;
  publicationLagSeconds: number;
  /** Count metrics that are absent (rather than 0) when the count is 0. */
  absentWhenZero: boolean;
  /** Multiplier from seconds to the metric's unit (Lambda Duration is in ms). */
  latencyScale: number;
}

export type SourceResolution = { ok: true; source: ResolvedSource } | { ok: false; reason: string };

const ALB_TARGET_GROUP_METRICS: Record<string, Signal> = {
  RequestCount: "requests",
  HTTPCode_Target_5XX_Count: "errors",
  TargetResponseTime: "latency",
  HealthyHostCount: "healthy",
  UnHealthyHostCount: "unhealthy",
};

const LAMBDA_METRICS: Record<string, Signal> = {
  Invocations: "requests",
  Errors: "errors",
  Duration: "latency",
  Throttles: "throttles",
};

/** Application metrics (EMF / PutMetricData) are matched by what their name says. */
function appSignal(metricName: string): Signal | undefined {
  if (/error|5xx|fault|fail/i.test(metricName)) return "errors";
  if (/latency|duration|responsetime|time/i.test(metricName)) return "latency";
  if (/request|count|invocation/i.test(metricName)) return "requests";
  return undefined;
}

export function resolveSource(
  ref: MetricRef,
  lags: { albSeconds: number; appSeconds: number },
): SourceResolution {
  if (ref.namespace === "AWS/ApplicationELB") {
    const signal = ALB_TARGET_GROUP_METRICS[ref.metricName];
    if (!signal) return { ok: false, reason: `ALB metric ${ref.metricName} is not simulated` };
    if (!ref.dimensions.TargetGroup || !ref.dimensions.LoadBalancer) {
      return {
        ok: false,
        reason: `${ref.metricName} is published only under {TargetGroup, LoadBalancer}; this alarm's dimensions {${Object.keys(ref.dimensions).join(", ")}} receive no data`,
      };
    }
    return {
      ok: true,
      source: {
        signal,
        resolutionSeconds: 60,
        publicationLagSeconds: lags.albSeconds,
        absentWhenZero: signal === "requests" || signal === "errors",
        latencyScale: 1,
      },
    };
  }
  if (ref.namespace === "AWS/Lambda") {
    const signal = LAMBDA_METRICS[ref.metricName];
    if (!signal) return { ok: false, reason: `Lambda metric ${ref.metricName} is not simulated` };
    if (!ref.dimensions.FunctionName) {
      return {
        ok: false,
        reason: `Lambda ${ref.metricName} without a FunctionName dimension is account-wide, not a cohort signal`,
      };
    }
    return {
      ok: true,
      source: {
        signal,
        resolutionSeconds: 60,
        publicationLagSeconds: lags.albSeconds,
        absentWhenZero: false,
        latencyScale: 1000,
      },
    };
  }
  const signal = appSignal(ref.metricName);
  if (!signal)
    return { ok: false, reason: `metric ${ref.namespace}/${ref.metricName} is not simulated` };
  return {
    ok: true,
    source: {
      signal,
      resolutionSeconds: 10,
      publicationLagSeconds: lags.appSeconds,
      absentWhenZero: false,
      latencyScale: /ms|millis/i.test(ref.metricName) ? 1000 : 1,
    },
  };
}

/** One raw datapoint at the metric's native resolution. */
interface Raw {
  value: number;
  parts: LogNormalComponent[];
  samples: number;
}

function rawDatapoints(
  fleet: SimulatedFleet,
  cohort: string,
  src: ResolvedSource,
  from: number,
  to: number,
): Raw[] {
  const out: Raw[] = [];
  const step = src.resolutionSeconds * 1000;
  for (let t = from; t < to; t += step) {
    const slices: Slice[] = fleet.slices(cohort, t, Math.min(to, t + step));
    const requests = slices.reduce((a, s) => a + s.requests, 0);
    let value: number;
    switch (src.signal) {
      case "requests":
        value = requests;
        break;
      case "errors":
        value = slices.reduce((a, s) => a + s.errors, 0);
        break;
      case "healthy":
        value = Math.min(...slices.map((s) => s.healthyHosts));
        break;
      case "unhealthy":
        value = Math.max(...slices.map((s) => s.unhealthyHosts));
        break;
      case "throttles":
        value = 0;
        break;
      case "latency":
        value = 0;
        break;
    }
    const gauge = src.signal === "healthy" || src.signal === "unhealthy";
    if (!gauge && requests === 0) continue; // nothing happened: no datapoint at all
    if (src.signal === "throttles") continue;
    if (src.absentWhenZero && value === 0) continue;
    const parts = slices.map((s) => ({
      weight: s.requests,
      mu: s.latencyMu + Math.log(src.latencyScale),
      sigma: s.latencySigma,
    }));
    out.push({ value, parts, samples: gauge ? 1 : requests });
  }
  return out;
}

export interface Datapoint {
  value: number;
  sampleCount: number;
}

/**
 * The statistic `stat` of the period [from, from + periodSeconds), or
 * undefined when CloudWatch would have no datapoint for it.
 */
export function periodDatapoint(
  fleet: SimulatedFleet,
  cohort: string,
  src: ResolvedSource,
  stat: string,
  from: number,
  periodSeconds: number,
): Datapoint | undefined {
  // A period finer than (or not a multiple of) the metric's resolution only ever finds gaps.
  if (periodSeconds % src.resolutionSeconds !== 0) return undefined;
  if ((from - fleet.profile.startEpochMs) % (src.resolutionSeconds * 1000) !== 0) return undefined;
  const raws = rawDatapoints(fleet, cohort, src, from, from + periodSeconds * 1000);
  if (raws.length === 0) return undefined;
  const samples = raws.reduce((a, r) => a + r.samples, 0);
  const values = raws.map((r) => r.value);
  const percentile = /^p(\d+(?:\.\d+)?)$/i.exec(stat);
  if (src.signal === "latency") {
    const parts = raws.flatMap((r) => r.parts);
    if (percentile) {
      const q = Number(percentile[1]) / 100;
      const v = mixtureQuantile(parts, Math.min(Math.max(q, 1e-6), 1 - 1e-6));
      return v === undefined ? undefined : { value: v, sampleCount: samples };
    }
    const mean = mixtureMean(parts);
    if (mean === undefined) return undefined;
    switch (stat) {
      case "Average":
        return { value: mean, sampleCount: samples };
      case "Maximum":
        return { value: mixtureQuantile(parts, 0.9999) ?? mean, sampleCount: samples };
      case "Minimum":
        return { value: mixtureQuantile(parts, 0.0001) ?? mean, sampleCount: samples };
      case "SampleCount":
        return { value: samples, sampleCount: samples };
      case "Sum":
        return { value: mean * samples, sampleCount: samples };
      default:
        return undefined;
    }
  }
  switch (stat) {
    case "Sum":
      return { value: values.reduce((a, b) => a + b, 0), sampleCount: values.length };
    case "Average":
      return {
        value: values.reduce((a, b) => a + b, 0) / values.length,
        sampleCount: values.length,
      };
    case "Minimum":
      return { value: Math.min(...values), sampleCount: values.length };
    case "Maximum":
      return { value: Math.max(...values), sampleCount: values.length };
    case "SampleCount":
      return { value: values.length, sampleCount: values.length };
    default: {
      if (!percentile) return undefined;
      const sorted = [...values].sort((a, b) => a - b);
      const idx = Math.min(
        sorted.length - 1,
        Math.ceil((Number(percentile[1]) / 100) * sorted.length) - 1,
      );
      return { value: sorted[Math.max(0, idx)], sampleCount: values.length };
    }
  }
}
