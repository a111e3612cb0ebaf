/** The terminal summary `rehearse` prints by default: what happened, per strategy, in a few lines. */
import type { StrategyAnalysis } from "../analysis.js";
import type { Rehearsal } from "../rehearse.js";
import { STRATEGY_LABELS } from "../strategies/types.js";
import { count, describeFault, duration, offset, percent, ratio } from "./format.js";

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}

/** The plan's gate decisions and actions, one line each, in time order. */
function planTimeline(plan: StrategyAnalysis, limit = 40): string[] {
  const seen = new Set<string>();
  const entries: { t: number; line: string }[] = [];
  for (const tl of plan.timelines) {
    for (const d of tl.decisions) {
      const key = `${d.at}|${d.cohort ?? ""}|${d.kind}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const detail = d.detail ? ` — ${d.detail}` : "";
      entries.push({
        t: d.t,
        line: `  ${offset(d.t).padEnd(9)} ${(d.cohort ?? "").padEnd(12)} ${d.kind}${detail}`,
      });
    }
  }
  const out = entries.sort((a, b) => a.t - b.t).map((e) => e.line);
  if (out.length <= limit) return out;
  return [...out.slice(0, limit), `  … ${out.length - limit} more in the report`];
}

export function terminalSummary(r: Rehearsal, reportPath?: string): string {
  const plan = r.strategies.find((s) => s.strategy === "plan");
  const lines: string[] = [
    `cohort-rollout rehearse · environment ${r.environment} · fault ${describeFault(r.fault)} · seed ${r.seed}`,
    `alarms    from ${r.alarmSource}`,
    `traffic   ${r.traffic.map((t) => `${t.cohort} ${percent(t.share)}`).join(" · ")}`,
    `plan      ${r.waves.map((w) => `wave ${w.index + 1}: ${w.cohorts.join(", ")} (bake ${duration(w.bakeSeconds)})`).join(" → ")}`,
    `bakes     start ${r.bakeFrom === "serving" ? "when the new version serves (deployment complete)" : "when the update returns (--bake-from update)"}`,
    `others    operator reverts ${duration(r.operatorResponseSeconds)} after the first page; time-delayed push waits ${duration(r.delaySeconds)}`,
    "",
  ];
  const rows = [
    [
      "strategy",
      "outcome",
      "reached",
      "detected",
      "all reverted",
      "bad-release requests",
      "of all traffic",
      "vs plan",
    ],
    ...r.strategies.map((s) => [
      STRATEGY_LABELS[s.strategy],
      s.outcome,
      s.reached.join(", ") || "none",
      duration(s.timeToDetectSeconds),
      s.endedOnCandidate.length > 0 && r.fault.kind !== "none"
        ? "never"
        : duration(s.timeToRevertSeconds),
      count(s.exposure.badRequests),
      percent(s.exposure.shareOfAll),
      s.strategy === "plan" ? "1.0x" : ratio(r.exposureRatios[s.strategy]),
    ]),
  ];
  lines.push(...table(rows));
  lines.push(
    "",
    "  detected / all reverted: from the moment the fault first showed; 'vs plan': bad-release requests of that strategy ÷ the plan's",
  );
  if (plan) {
    lines.push("", "plan timeline (the real runner's ledger):", ...planTimeline(plan));
    lines.push("", "plan exposure per cohort:");
    lines.push(
      ...table([
        ["cohort", "bad-release requests", "of its cohort", "of all traffic"],
        ...plan.exposure.perCohort.map((c) => [
          `  ${c.cohort}`,
          count(c.badRequests),
          percent(c.shareOfCohort),
          percent(c.shareOfAll),
        ]),
      ]),
    );
  }
  for (const w of r.warnings) lines.push(`warning   ${w}`);
  lines.push(
    "",
    `verdict   ${r.verdict.ok ? "OK" : "NOT OK"} (${r.verdict.kind}): ${r.verdict.summary}`,
    `simulated ${duration(r.simulatedSeconds)} in ${(r.wallMs / 1000).toFixed(2)}s of wall time`,
  );
  if (reportPath) lines.push(`report    ${reportPath}`);
  return lines.join("\n") + "\n";
}
