/**
 * A simulated CloudWatch: evaluates the component's metric and composite
 * alarms against the simulated fleet on the virtual clock. Evaluation is
 * lazy and incremental: `advanceTo(t)` runs every evaluation tick up to t
 * (each minute, or each period for high-resolution alarms) in order, so a
 * reader sees exactly the states CloudWatch would have shown at t.
 */
import type { AlarmReading, AlarmStateValue } from "../../core/ports.js";
import type { SimulatedFleet } from "../sim/fleet.js";
import { SLICE_MS } from "../sim/traffic.js";
import { parseAlarmRule, type AlarmRule } from "./alarm-rule.js";
import {
  alarmPeriodSeconds,
  type AlarmSpec,
  type CompositeAlarmSpec,
  type MetricAlarmSpec,
} from "./alarm-spec.js";
import { breaches, evaluateWindow } from "./evaluate-window.js";
import { parseExpression, type Expression, type Value } from "./metric-math.js";
import {
  periodDatapoint,
  resolveSource,
  type Datapoint,
  type ResolvedSource,
} from "./metric-source.js";

export interface StateChange {
  at: number;
  state: AlarmStateValue;
  reason: string;
}

interface QueryPlan {
  id: string;
  source?: { src: ResolvedSource; stat: string; period: number };
  expression?: Expression;
}

interface MetricAlarmRuntime {
  spec: MetricAlarmSpec;
  cohort: string | undefined;
  periodSeconds: number;
  cadenceSeconds: number;
  lagSeconds: number;
  queries: QueryPlan[];
  returnId: string;
  /** Why the alarm can never see data, when it cannot. */
  blind?: string;
  cache: Map<string, Datapoint | undefined>;
}

interface CompositeRuntime {
  spec: CompositeAlarmSpec;
  rule: AlarmRule;
}

interface AlarmStatus {
  state: AlarmStateValue;
  updatedAt: number;
  reason: string;
  history: StateChange[];
}

export class SimulatedCloudWatch {
  private readonly metricAlarms: MetricAlarmRuntime[] = [];
  private readonly composites: CompositeRuntime[] = [];
  private readonly status = new Map<string, AlarmStatus>();
  private lastTick: number;
  /** Problems found in the alarm definitions (shown in the report, never silently dropped). */
  readonly warnings: string[] = [];

  constructor(
    private readonly fleet: SimulatedFleet,
    specs: readonly AlarmSpec[],
  ) {
    const start = fleet.profile.startEpochMs;
    this.lastTick = start;
    for (const spec of specs) {
      this.status.set(spec.name, {
        state: "INSUFFICIENT_DATA",
        updatedAt: start,
        reason: "Unchecked: initial alarm creation",
        history: [{ at: start, state: "INSUFFICIENT_DATA", reason: "created" }],
      });
      if (spec.kind === "composite") {
        this.composites.push({ spec, rule: parseAlarmRule(spec.alarmRule) });
        continue;
      }
      this.metricAlarms.push(this.plan(spec));
    }
    for (const c of this.composites) {
      for (const child of c.rule.alarms) {
        if (!this.status.has(child))
          this.warnings.push(`${c.spec.name}: rule names unknown alarm "${child}"`);
      }
    }
  }

  private plan(spec: MetricAlarmSpec): MetricAlarmRuntime {
    const lags = {
      albSeconds: this.fleet.profile.albPublicationLagSeconds,
      appSeconds: this.fleet.profile.appPublicationLagSeconds,
    };
    const periodSeconds = alarmPeriodSeconds(spec);
    const rt: MetricAlarmRuntime = {
      spec,
      cohort: spec.cohort,
      periodSeconds,
      cadenceSeconds: Math.min(60, periodSeconds),
      lagSeconds: 0,
      queries: [],
      returnId: "m",
      cache: new Map(),
    };
    const blind = (why: string): void => {
      rt.blind ??= why;
      this.warnings.push(`${spec.name}: ${why}`);
    };
    if (!spec.cohort) blind("has no cohort tag, so no cohort's traffic feeds it");
    if (spec.metricQueries.length === 0) {
      const res = resolveSource(
        {
          namespace: spec.namespace ?? "",
          metricName: spec.metricName ?? "",
          dimensions: spec.dimensions,
        },
        lags,
      );
      if (!res.ok) blind(res.reason);
      else {
        rt.lagSeconds = res.source.publicationLagSeconds;
        rt.queries.push({
          id: "m",
          source: {
            src: res.source,
            stat: spec.extendedStatistic ?? spec.statistic ?? "Average",
            period: periodSeconds,
          },
        });
      }
      return rt;
    }
    for (const q of spec.metricQueries) {
      if (q.returnData) rt.returnId = q.id;
      if (q.expression !== undefined) {
        try {
          rt.queries.push({ id: q.id, expression: parseExpression(q.expression) });
        } catch (e) {
          blind((e as Error).message);
        }
        continue;
      }
      const m = q.metric;
      if (!m) continue;
      const res = resolveSource(
        { namespace: m.namespace, metricName: m.metricName, dimensions: m.dimensions },
        lags,
      );
      if (!res.ok) {
        blind(`query ${q.id}: ${res.reason}`);
        continue;
      }
      rt.lagSeconds = Math.max(rt.lagSeconds, res.source.publicationLagSeconds);
      rt.queries.push({ id: q.id, source: { src: res.source, stat: m.stat, period: m.period } });
    }
    return rt;
  }

  /** Run every evaluation tick in (last evaluated, t]. */
  advanceTo(t: number): void {
    const start = this.fleet.profile.startEpochMs;
    for (let tick = this.lastTick + SLICE_MS; tick <= t; tick += SLICE_MS) {
      let changed = false;
      for (const a of this.metricAlarms) {
        if ((tick - start) % (a.cadenceSeconds * 1000) !== 0) continue;
        changed = this.evaluateMetricAlarm(a, tick) || changed;
      }
      // A composite's state is a function of its children's: it can change only when one did.
      if (changed) this.evaluateComposites(tick);
      this.lastTick = tick;
    }
  }

  private setState(name: string, state: AlarmStateValue, at: number, reason: string): boolean {
    const s = this.status.get(name);
    if (!s || s.state === state) return false;
    s.state = state;
    s.updatedAt = at;
    s.reason = reason;
    s.history.push({ at, state, reason });
    return true;
  }

  private evaluateMetricAlarm(a: MetricAlarmRuntime, tick: number): boolean {
    const spec = a.spec;
    const n = spec.evaluationPeriods;
    const m = spec.datapointsToAlarm ?? n;
    const periodMs = a.periodSeconds * 1000;
    const start = this.fleet.profile.startEpochMs;
    // Only periods whose datapoints have been published by `tick` are visible.
    const visibleEnd =
      start + Math.floor((tick - a.lagSeconds * 1000 - start) / periodMs) * periodMs;
    const periodStarts = Array.from({ length: n }, (_, i) => visibleEnd - (n - i) * periodMs);
    if (periodStarts[0] !== undefined && periodStarts[0] < start) return false; // no full window of history yet
    const values =
      a.blind || !a.cohort
        ? Array<Value>(n).fill(undefined)
        : this.windowValues(a, a.cohort, periodStarts);
    const current = this.status.get(spec.name)?.state ?? "INSUFFICIENT_DATA";
    if (values === "low-sample") return false; // evaluateLowSampleCountPercentiles: ignore
    const threshold = spec.threshold ?? 0;
    const points = values.map((v) =>
      v === undefined ? undefined : breaches(spec.comparisonOperator, v, threshold),
    );
    const next = evaluateWindow({
      points,
      datapointsToAlarm: m,
      treatMissingData: spec.treatMissingData,
      current,
    });
    const shown = values.map((v) => (v === undefined ? "-" : Number(v.toPrecision(4)))).join(", ");
    return this.setState(
      spec.name,
      next,
      tick,
      `Threshold Crossed: [${shown}] (${m} of ${n}, ${spec.comparisonOperator} ${threshold}, treatMissingData ${spec.treatMissingData})${a.blind ? `; no data: ${a.blind}` : ""}`,
    );
  }

  private windowValues(
    a: MetricAlarmRuntime,
    cohort: string,
    periodStarts: number[],
  ): Value[] | "low-sample" {
    const series = new Map<string, Value[]>();
    const lowSample: boolean[] = periodStarts.map(() => false);
    const pending = new Set(a.queries.map((q) => q.id));
    const resolve = (id: string): Value[] => {
      const known = series.get(id);
      if (known) return known;
      const q = a.queries.find((x) => x.id === id);
      if (!q || !pending.has(id)) return periodStarts.map(() => undefined);
      pending.delete(id); // guards against a cycle in the expressions
      let out: Value[];
      if (q.source) {
        const { src, stat, period } = q.source;
        out = periodStarts.map((ps, i) => {
          const key = `${id}@${ps}`;
          let dp = a.cache.get(key);
          if (!a.cache.has(key)) {
            dp = periodDatapoint(this.fleet, cohort, src, stat, ps, period);
            a.cache.set(key, dp);
          }
          const pct = /^p(\d+(?:\.\d+)?)$/i.exec(stat);
          if (dp && pct && dp.sampleCount < 1 / (1 - Number(pct[1]) / 100)) lowSample[i] = true;
          return dp?.value;
        });
      } else if (q.expression) {
        out = q.expression.evaluate(resolve, periodStarts.length);
      } else out = periodStarts.map(() => undefined);
      series.set(id, out);
      return out;
    };
    const values = resolve(a.returnId);
    if (a.spec.evaluateLowSampleCountPercentiles === "ignore") {
      const present = values.map((v, i) => (v === undefined ? undefined : lowSample[i]));
      if (present.some((x) => x !== undefined) && present.every((x) => x !== false))
        return "low-sample";
    }
    return values;
  }

  private evaluateComposites(tick: number): void {
    // Two passes let a composite read another composite evaluated in the same tick.
    for (let pass = 0; pass < 2; pass++) {
      for (const c of this.composites) {
        const children = c.rule.alarms.map((n) => this.status.get(n)?.state ?? "INSUFFICIENT_DATA");
        const fired = c.rule.evaluate((n) => this.status.get(n)?.state ?? "INSUFFICIENT_DATA");
        const next: AlarmStateValue = fired
          ? "ALARM"
          : children.length > 0 && children.every((s) => s === "INSUFFICIENT_DATA")
            ? "INSUFFICIENT_DATA"
            : "OK";
        const why = c.rule.alarms
          .filter((n) => this.status.get(n)?.state === "ALARM")
          .map((n) => `${n} in ALARM`);
        this.setState(
          c.spec.name,
          next,
          tick,
          fired ? `alarm rule true: ${why.join(", ")}` : "alarm rule false",
        );
      }
    }
  }

  /** What DescribeAlarms would return at the current evaluation point. */
  read(names: readonly string[]): AlarmReading[] {
    return names.map((name) => {
      const s = this.status.get(name);
      if (!s) return { name, exists: false };
      const metric = this.metricAlarms.find((a) => a.spec.name === name);
      return {
        name,
        exists: true,
        state: s.state,
        reason: s.reason,
        updatedAt: s.updatedAt,
        kind: metric ? "metric" : "composite",
        ...(metric
          ? {
              periodSeconds: metric.periodSeconds,
              evaluationPeriods: metric.spec.evaluationPeriods,
              datapointsToAlarm: metric.spec.datapointsToAlarm ?? metric.spec.evaluationPeriods,
            }
          : {}),
      };
    });
  }

  history(name: string): StateChange[] {
    return this.status.get(name)?.history ?? [];
  }

  alarmNames(): string[] {
    return [...this.status.keys()];
  }

  /** Alarms of a cohort (by their cohort tag). */
  alarmsOf(cohort: string): string[] {
    return [
      ...this.metricAlarms.filter((a) => a.cohort === cohort).map((a) => a.spec.name),
      ...this.composites.filter((c) => c.spec.cohort === cohort).map((c) => c.spec.name),
    ];
  }
}
