/** The benchmarks' shared reporting: goals beside figures, headline last, exit 1 on a miss. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { BenchReport, median, meets } from "../../bench/report.js";

afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

function reporter() {
  const lines: string[] = [];
  vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  return { lines, report: new BenchReport((l) => lines.push(l)) };
}

describe("BenchReport", () => {
  it("prints the goal beside each figure and the headline last as `<metric>: <value>`", () => {
    const { lines, report } = reporter();
    report.figure("context", 3.14159, undefined, 1);
    report.headline("overhead_pct", 0.42, { op: "<", value: 1 });
    report.headline("ratio", 1.05, { op: "<=", value: 1.1 });
    expect(report.finish()).toBe(true);
    expect(lines).toEqual([
      "context: 3.1",
      "overhead_pct: 0.42 (goal < 1: met)",
      "ratio: 1.05 (goal <= 1.1: met)",
      "ratio: 1.05",
    ]);
    expect(process.exitCode).toBeUndefined();
  });

  it("exits non-zero when any headline misses its goal, not only the last", () => {
    const { lines, report } = reporter();
    report.headline("orchestration_overhead_pct", 4.58, { op: "<", value: 1 });
    report.headline("detection_to_revert_over_poll", 1.02, { op: "<=", value: 1.1 });
    expect(report.finish()).toBe(false);
    expect(lines[0]).toBe("orchestration_overhead_pct: 4.58 (goal < 1: MISSED)");
    expect(lines.at(-1)).toBe("detection_to_revert_over_poll: 1.02");
    expect(process.exitCode).toBe(1);
  });
});

describe("median and goals", () => {
  it("median ignores one outlier; goals compare as written", () => {
    expect(median([1, 100, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow();
    expect(meets(10, { op: ">=", value: 10 })).toBe(true);
    expect(meets(1, { op: "<", value: 1 })).toBe(false);
  });
});
