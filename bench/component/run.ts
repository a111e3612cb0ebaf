/**
 * `npm run bench:component`: time and peak memory to construct 10, 50 and 100
 * cohorts under Pulumi mocks, for the component and for a flat baseline
 * program that declares the same resources without it (bench/component/programs.ts).
 *
 * Each measurement runs in its own child process (child.ts), so peak memory
 * belongs to one run; variants are interleaved and repeated, and medians are
 * reported, because the machine is shared. Headline, printed last:
 * `component_vs_flat_ratio_100: <component time / flat time at 100 cohorts>` (goal <= 1.3).
 *
 * Env: BENCH_SIZES (default "10,50,100"), BENCH_REPS (default 3).
 */
import { GOALS } from "../goals.js";
import { BenchReport, median } from "../report.js";
import type { ChildResult } from "./child.js";
import { measure } from "./measure.js";
import type { Variant } from "./programs.js";

const SIZES = (process.env.BENCH_SIZES ?? "10,50,100").split(",").map(Number);
const REPS = Number(process.env.BENCH_REPS ?? 3);
const VARIANTS: Variant[] = ["component", "flat"];

interface Summary {
  cohorts: number;
  resources: number;
  ms: number;
  maxRssMb: number;
  peakHeapMb: number;
}

function summarise(results: ChildResult[]): Summary {
  return {
    cohorts: results[0].cohorts,
    resources: results[0].customResources,
    ms: median(results.map((r) => r.ms)),
    maxRssMb: median(results.map((r) => r.maxRssMb)),
    peakHeapMb: median(results.map((r) => r.peakHeapMb)),
  };
}

const fixed = (n: number, digits = 1) => n.toFixed(digits);

function main(): void {
  const report = new BenchReport();
  const summaries = new Map<string, Summary>();
  /** Per size, the component/flat time ratio of each repetition (a ratio within one run). */
  const ratios = new Map<number, number[]>();
  for (const cohorts of SIZES) {
    const runs: Record<Variant, ChildResult[]> = { component: [], flat: [] };
    for (let rep = 0; rep < REPS; rep++) {
      // Alternate which variant goes first, so drift in machine load hits both alike.
      const order = rep % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
      for (const variant of order) runs[variant].push(measure(variant, cohorts));
      const [c, f] = [runs.component.at(-1), runs.flat.at(-1)];
      if (c && f) ratios.set(cohorts, [...(ratios.get(cohorts) ?? []), c.ms / f.ms]);
    }
    const [component, flat] = [summarise(runs.component), summarise(runs.flat)];
    if (component.resources !== flat.resources) {
      throw new Error(
        `the baseline is not the same program: ${component.resources} vs ${flat.resources} resources at ${cohorts} cohorts`,
      );
    }
    summaries.set(`component:${cohorts}`, component);
    summaries.set(`flat:${cohorts}`, flat);
    for (const [variant, s] of [
      ["component", component],
      ["flat", flat],
    ] as const) {
      console.log(
        `${variant.padEnd(9)} cohorts=${String(cohorts).padStart(3)} resources=${s.resources} ` +
          `time_ms=${fixed(s.ms, 0)} resources_per_s=${fixed(s.resources / (s.ms / 1000), 0)} ` +
          `max_rss_mb=${fixed(s.maxRssMb)} peak_heap_mb=${fixed(s.peakHeapMb)}`,
      );
    }
    console.log(
      `ratio     cohorts=${String(cohorts).padStart(3)} component_vs_flat=${fixed(median(ratios.get(cohorts) ?? [NaN]), 2)} (median of ${REPS} paired runs; goal ${GOALS.componentVsFlatRatio.op} ${GOALS.componentVsFlatRatio.value} at ${Math.max(...SIZES)})`,
    );
  }
  // Memory per cohort: the slope between the smallest and the largest size (fixed costs cancel).
  const [small, large] = [Math.min(...SIZES), Math.max(...SIZES)];
  const a = summaries.get(`component:${small}`);
  const b = summaries.get(`component:${large}`);
  if (a !== undefined && b !== undefined && large > small) {
    const perCohortRss = (b.maxRssMb - a.maxRssMb) / (large - small);
    const perCohortHeap = (b.peakHeapMb - a.peakHeapMb) / (large - small);
    console.log(
      `memory_per_cohort_mb: rss=${fixed(perCohortRss, 2)} heap=${fixed(perCohortHeap, 2)} (slope ${small}->${large} cohorts)`,
    );
    const mid = SIZES.find((s) => s !== small && s !== large);
    const m = mid === undefined ? undefined : summaries.get(`component:${mid}`);
    if (m !== undefined && mid !== undefined) {
      const first = (m.peakHeapMb - a.peakHeapMb) / (mid - small);
      const second = (b.peakHeapMb - m.peakHeapMb) / (large - mid);
      console.log(
        `heap_slope_mb_per_cohort: ${small}->${mid}=${fixed(first, 2)} ${mid}->${large}=${fixed(second, 2)} (linear if close)`,
      );
    }
  }
  const largest = ratios.get(large);
  if (largest === undefined) throw new Error("no measurement at the largest size");
  report.headline(`component_vs_flat_ratio_${large}`, median(largest), GOALS.componentVsFlatRatio);
  report.finish();
}

main();
