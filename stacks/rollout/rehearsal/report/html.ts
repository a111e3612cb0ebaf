/**
 * The self-contained HTML report: inline CSS and inline SVG, no script, no
 * external resource, so it opens from a CI artifact or an e-mail as is.
 */
import type { StrategyAnalysis } from "../analysis.js";
import type { Rehearsal } from "../rehearse.js";
import { STRATEGY_LABELS } from "../strategies/types.js";
import { esc } from "./escape.js";
import { exposureSvg } from "./exposure-svg.js";
import { count, describeFault, duration, offset, percent, ratio } from "./format.js";
import { COLORS, HEALTH_COLORS } from "./palette.js";
import { timelineSvg } from "./timeline-svg.js";

/** The report's stylesheet (inline; the train report uses it too). */
export const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:${COLORS.text};background:#f8fafc}
main{max-width:1040px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}h3{font-size:14px;margin:18px 0 6px}
p,li{font-size:14px;line-height:1.5}.muted{color:${COLORS.muted}}
table{border-collapse:collapse;width:100%;font-size:13px;background:#fff}
th,td{border-bottom:1px solid ${COLORS.grid};padding:6px 8px;text-align:left;vertical-align:top}
th{background:#f1f5f9}td.num{text-align:right;font-variant-numeric:tabular-nums}
.card{background:#fff;border:1px solid ${COLORS.grid};border-radius:8px;padding:12px 16px;margin:10px 0}
.verdict{border-left:6px solid;padding:10px 14px;background:#fff;font-weight:600}
.ok{border-color:#16a34a}.bad{border-color:#dc2626}
.legend span{display:inline-block;margin-right:14px;font-size:12px}
.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-2px}
details summary{cursor:pointer;font-size:13px}
`;

function legend(): string {
  const item = (color: string, label: string): string =>
    `<span><i style="background:${color}"></i>${esc(label)}</span>`;
  return `<div class="legend">${[
    item(COLORS.baseline, "previous release"),
    item(COLORS.candidate, "new release (good)"),
    item(COLORS.dormant, "bad release, fault not showing yet"),
    item(COLORS.failing, "bad release, fault showing"),
    item(HEALTH_COLORS.OK, "health OK"),
    item(HEALTH_COLORS.ALARM, "ALARM"),
    item(HEALTH_COLORS.INSUFFICIENT_DATA, "INSUFFICIENT_DATA"),
  ].join("")}<span>● decisions (hover for details)</span></div>`;
}

function summaryTable(r: Rehearsal): string {
  const rows = r.strategies
    .map(
      (s) => `<tr><td>${esc(STRATEGY_LABELS[s.strategy])}</td><td>${esc(s.outcome)}</td>
<td>${esc(s.reached.join(", ") || "none")}</td><td class="num">${esc(duration(s.timeToDetectSeconds))}</td>
<td class="num">${esc(s.endedOnCandidate.length > 0 && r.fault.kind !== "none" ? "never" : duration(s.timeToRevertSeconds))}</td>
<td class="num">${esc(count(s.exposure.badRequests))}</td><td class="num">${esc(count(s.exposure.faultyRequests))}</td>
<td class="num">${esc(percent(s.exposure.shareOfAll))}</td>
<td class="num">${esc(s.strategy === "plan" ? "1.0x" : ratio(r.exposureRatios[s.strategy]))}</td></tr>`,
    )
    .join("");
  return `<table id="summary"><thead><tr><th>strategy</th><th>outcome</th><th>reached</th><th>time to detect</th><th>time to revert everywhere</th><th>bad-release requests</th><th>of which while failing</th><th>share of all traffic</th><th>exposure vs plan</th></tr></thead><tbody>${rows}</tbody></table>
<p class="muted">Times count from the moment the fault first showed. Exposure: requests served by the bad release, over the ${esc(duration(r.windowSeconds))} window.</p>`;
}

function perCohortTable(s: StrategyAnalysis): string {
  const rows = s.exposure.perCohort
    .map(
      (c) =>
        `<tr><td>${esc(c.cohort)}</td><td class="num">${esc(count(c.badRequests))}</td><td class="num">${esc(count(c.faultyRequests))}</td><td class="num">${esc(count(c.cohortRequests))}</td><td class="num">${esc(percent(c.shareOfCohort))}</td><td class="num">${esc(percent(c.shareOfAll))}</td></tr>`,
    )
    .join("");
  return `<table class="cohort-exposure"><thead><tr><th>cohort</th><th>bad-release requests</th><th>while failing</th><th>cohort requests</th><th>share of cohort</th><th>share of all</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function decisionsList(s: StrategyAnalysis): string {
  const seen = new Set<string>();
  const items = s.timelines
    .flatMap((tl) => tl.decisions)
    .filter((d) => {
      const key = `${d.at}|${d.cohort ?? ""}|${d.kind}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => a.t - b.t)
    .map(
      (d) =>
        `<li><code>${esc(offset(d.t))}</code> <b>${esc(d.cohort ?? "all")}</b> ${esc(d.kind)}${d.detail ? ` — ${esc(d.detail)}` : ""}</li>`,
    );
  return `<details><summary>${items.length} decisions and actions</summary><ul>${items.join("")}</ul></details>`;
}

/** Where the timelines stop: shortly after the last thing that happened, within the window. */
function chartEnd(r: Rehearsal): number {
  const last = Math.max(
    0,
    ...r.strategies.flatMap((s) => [
      s.allReverted ?? 0,
      ...s.timelines.flatMap((tl) => tl.decisions.map((d) => d.t)),
    ]),
  );
  return Math.min(r.windowSeconds, Math.max(1800, last * 1.08 + 300));
}

function alarmsTable(r: Rehearsal): string {
  return `<p class="muted">${esc(r.alarmSource)}</p>${r.warnings.length ? `<ul>${r.warnings.map((w) => `<li>⚠ ${esc(w)}</li>`).join("")}</ul>` : ""}`;
}

export function rehearsalHtml(r: Rehearsal): string {
  const end = chartEnd(r);
  const plan = r.strategies.find((s) => s.strategy === "plan");
  const strategies = r.strategies
    .map(
      (s) => `<section class="card strategy" id="strategy-${esc(s.strategy)}">
<h3>${esc(STRATEGY_LABELS[s.strategy])} — ${esc(s.outcome)}</h3>
<p class="muted">${esc(s.reason)}</p>
${timelineSvg(s, end, `timeline-${s.strategy}`)}
${perCohortTable(s)}
${decisionsList(s)}
</section>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Rehearsal of ${esc(r.environment)}: ${esc(describeFault(r.fault))}</title>
<style>${CSS}</style></head>
<body><main>
<h1>Rollout rehearsal · ${esc(r.environment)}</h1>
<p class="muted">fault: <b>${esc(describeFault(r.fault))}</b> · seed ${esc(r.seed)} · ${esc(duration(r.windowSeconds))} simulated per strategy on a virtual clock · the plan ran through the real rollout runner</p>
<div class="verdict ${r.verdict.ok ? "ok" : "bad"}" id="verdict">${esc(r.verdict.ok ? "OK" : "NOT OK")} (${esc(r.verdict.kind)}): ${esc(r.verdict.summary)}</div>
<h2>Exposure per strategy</h2>
${exposureSvg(r)}
${summaryTable(r)}
<h2>Timelines</h2>
${legend()}
<p class="muted">Plan: ${esc(r.waves.map((w) => `wave ${w.index + 1} ${w.cohorts.join(", ")} (bake ${duration(w.bakeSeconds)})`).join(" → "))}. Others: an operator reverts every cohort ${esc(duration(r.operatorResponseSeconds))} after the first page; the time-delayed push waits ${esc(duration(r.delaySeconds))}.</p>
${strategies}
<h2>What was simulated</h2>
<p>Traffic: ${esc(r.traffic.map((t) => `${t.cohort} ${percent(t.share)} (${t.platform}, ${t.hosts} hosts)`).join(" · "))}.</p>
${alarmsTable(r)}
${plan ? `<p class="muted">Plan outcome: ${esc(plan.outcome)} — ${esc(plan.reason)}</p>` : ""}
</main></body></html>
`;
}
