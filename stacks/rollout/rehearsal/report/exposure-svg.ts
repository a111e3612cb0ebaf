/**
 * Exposure per strategy as an inline SVG bar chart: requests served by the
 * bad release, stacked by cohort, with the ratio to the plan's.
 */
import type { Rehearsal } from "../rehearse.js";
import { STRATEGY_LABELS } from "../strategies/types.js";
import { esc } from "./escape.js";
import { count, percent, ratio } from "./format.js";
import { COHORT_COLORS, COLORS } from "./palette.js";

const WIDTH = 960;
const LEFT = 290;
const RIGHT = 250;
const BAR = 26;
const GAP = 14;

export function exposureSvg(r: Rehearsal): string {
  const max = Math.max(1, ...r.strategies.map((s) => s.exposure.badRequests));
  const scale = (n: number): number => (n / max) * (WIDTH - LEFT - RIGHT);
  const cohorts = r.traffic.map((t) => t.cohort);
  const legendY = r.strategies.length * (BAR + GAP) + 12;
  const parts: string[] = [];
  r.strategies.forEach((s, i) => {
    const y = i * (BAR + GAP) + 4;
    parts.push(
      `<text x="${LEFT - 10}" y="${y + BAR / 2 + 4}" font-size="12" text-anchor="end" fill="${COLORS.text}">${esc(STRATEGY_LABELS[s.strategy])}</text>`,
    );
    let at = LEFT;
    for (const c of s.exposure.perCohort) {
      const w = scale(c.badRequests);
      if (w <= 0) continue;
      const color = COHORT_COLORS[cohorts.indexOf(c.cohort) % COHORT_COLORS.length] ?? COLORS.muted;
      parts.push(
        `<rect class="exposure-bar" x="${at}" y="${y}" width="${Math.max(1, w)}" height="${BAR}" fill="${color}"><title>${esc(`${STRATEGY_LABELS[s.strategy]}: ${count(c.badRequests)} requests of ${c.cohort} served by the bad release (${percent(c.shareOfCohort)} of ${c.cohort}, ${percent(c.shareOfAll)} of all)`)}</title></rect>`,
      );
      at += w;
    }
    const vs =
      s.strategy === "plan" ? "the plan" : `${ratio(r.exposureRatios[s.strategy])} the plan`;
    parts.push(
      `<text x="${at + 8}" y="${y + BAR / 2 + 4}" font-size="12" fill="${COLORS.text}">${esc(`${count(s.exposure.badRequests)} (${percent(s.exposure.shareOfAll)}) · ${vs}`)}</text>`,
    );
  });
  cohorts.forEach((c, i) => {
    const x = LEFT + i * 130;
    parts.push(
      `<rect x="${x}" y="${legendY}" width="12" height="12" fill="${COHORT_COLORS[i % COHORT_COLORS.length] ?? COLORS.muted}"/>`,
      `<text x="${x + 18}" y="${legendY + 11}" font-size="12" fill="${COLORS.text}">${esc(c)}</text>`,
    );
  });
  const height = legendY + 22;
  return `<svg id="exposure-chart" class="chart exposure" role="img" aria-label="requests served by the bad release, per strategy" viewBox="0 0 ${WIDTH} ${height}" width="100%" xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif">${parts.join("")}</svg>`;
}
