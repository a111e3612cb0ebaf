/**
 * The benchmarks' one way to report: every figure with its goal beside it, the
 * headline last as `<metric>: <value>`, and a non-zero exit when a headline
 * misses its goal. Figures are meant to be ratios taken within one run,
 * repeated, and reduced with `median`, so a busy machine moves them little.
 *
 *   const report = new BenchReport();
 *   report.figure("orchestration_overhead_pct", pct, GOALS.orchestrationOverheadPct);
 *   report.headline("detection_to_revert_over_poll", worst, GOALS.detectionToRevertOverPoll);
 *   report.finish(); // prints the headline last; exit code 1 if a headline missed
 *
 * A figure that is a goal of its own (not only context) is passed to `headline` too: each
 * headline's goal decides the exit code; the last one registered is printed last.
 */

/** A goal: the figure must compare to `value` with `op`. */
export interface Goal {
  op: "<" | "<=" | ">" | ">=";
  value: number;
}

export function meets(value: number, goal: Goal): boolean {
  switch (goal.op) {
    case "<":
      return value < goal.value;
    case "<=":
      return value <= goal.value;
    case ">":
      return value > goal.value;
    case ">=":
      return value >= goal.value;
  }
}

/** The median: robust to the odd slow repetition a shared machine produces. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? NaN)
    : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

interface Headline {
  metric: string;
  value: number;
  goal: Goal;
  digits: number;
}

export class BenchReport {
  private readonly headlines: Headline[] = [];

  constructor(private readonly write: (line: string) => void = (l) => console.log(l)) {}

  /** Prints `metric: value (goal op target: met|MISSED)`, or `metric: value` without a goal. */
  figure(metric: string, value: number, goal?: Goal, digits = 2): void {
    const verdict = goal
      ? ` (goal ${goal.op} ${String(goal.value)}: ${meets(value, goal) ? "met" : "MISSED"})`
      : "";
    this.write(`${metric}: ${value.toFixed(digits)}${verdict}`);
  }

  /** A figure whose goal decides the exit code; printed now with its goal, and again last. */
  headline(metric: string, value: number, goal: Goal, digits = 2): void {
    this.figure(metric, value, goal, digits);
    this.headlines.push({ metric, value, goal, digits });
  }

  /** Prints the last headline as the last line; sets exit code 1 when any headline missed. */
  finish(): boolean {
    const missed = this.headlines.filter((h) => !meets(h.value, h.goal));
    for (const h of missed) {
      process.stderr.write(
        `bench: ${h.metric} ${h.value.toFixed(h.digits)} misses its goal (${h.goal.op} ${String(h.goal.value)})\n`,
      );
    }
    const last = this.headlines.at(-1);
    if (last) this.write(`${last.metric}: ${last.value.toFixed(last.digits)}`);
    if (missed.length > 0) process.exitCode = 1;
    return missed.length === 0;
  }
}
