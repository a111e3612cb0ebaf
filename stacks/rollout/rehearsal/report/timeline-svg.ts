/**
 * One strategy's timeline as an inline SVG: per cohort, which release it ran
 * (and when the bad release's fault showed), its health alarm's state, and
 * the decisions taken, on one time axis from the rollout's start.
 */
import type { StrategyAnalysis } from "../analysis.js";
import { esc } from "./escape.js";
import { duration, offset } from "./format.js";
import { COLORS, HEALTH_COLORS, decisionColor } from "./palette.js";

const WIDTH = 960;
const LEFT = 120;
const RIGHT = 16;
const LANE = 52;
const TOP = 8;
const RELEASE_LANE = 22;

/** A tick step (seconds) giving 6-12 ticks over `span`. */
function tickStep(span: number): number {
  const steps = [60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600];
  return steps.find((s) => span / s <= 12) ?? 43200;
}

/**
 * @param a the strategy's analysis
 * @param endSeconds where the time axis ends
 * @param id the SVG element's id
 * @param goodFill the fill of a good release's segment (a train tells its releases apart)
 */
export function timelineSvg(
  a: StrategyAnalysis,
  endSeconds: number,
  id: string,
  goodFill: (release: string) => string = () => COLORS.candidate,
): string {
  const span = Math.max(endSeconds, 60);
  const x = (t: number): number =>
    LEFT + (Math.min(Math.max(t, 0), span) / span) * (WIDTH - LEFT - RIGHT);
  // Release-wide decisions (release-failed, an operator's page) get a lane of their own.
  const seen = new Set<string>();
  const releaseWide = a.timelines
    .flatMap((tl) => tl.decisions)
    .filter((d) => d.cohort === undefined)
    .filter((d) => {
      const key = `${d.at}|${d.kind}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  const top = TOP + (releaseWide.length > 0 ? RELEASE_LANE : 0);
  const height = top + a.timelines.length * LANE + 28;
  const parts: string[] = [];
  const step = tickStep(span);
  for (let t = 0; t <= span; t += step) {
    parts.push(
      `<line x1="${x(t)}" y1="${TOP}" x2="${x(t)}" y2="${height - 22}" stroke="${COLORS.grid}"/>`,
      `<text x="${x(t)}" y="${height - 8}" font-size="11" text-anchor="middle" fill="${COLORS.muted}">${esc(offset(t))}</text>`,
    );
  }
  if (releaseWide.length > 0) {
    parts.push(
      `<text x="${LEFT - 8}" y="${TOP + 12}" font-size="10" text-anchor="end" fill="${COLORS.muted}">whole release</text>`,
    );
    for (const d of releaseWide) {
      if (d.t > span) continue;
      parts.push(
        `<circle class="decision" cx="${x(d.t)}" cy="${TOP + 8}" r="4" fill="${decisionColor(d.kind)}"><title>${esc(`${offset(d.t)} whole release: ${d.kind}${d.detail ? ` — ${d.detail}` : ""}`)}</title></circle>`,
      );
    }
  }
  a.timelines.forEach((tl, i) => {
    const y = top + i * LANE;
    parts.push(
      `<text x="${LEFT - 8}" y="${y + 15}" font-size="12" text-anchor="end" fill="${COLORS.text}" font-weight="600">${esc(tl.cohort)}</text>`,
      `<text x="${LEFT - 8}" y="${y + 31}" font-size="10" text-anchor="end" fill="${COLORS.muted}">health</text>`,
    );
    for (const seg of tl.releases) {
      if (seg.from >= span) continue;
      const fill = seg.bad
        ? COLORS.dormant
        : seg.release === "baseline"
          ? COLORS.baseline
          : goodFill(seg.release);
      parts.push(
        `<rect class="release" x="${x(seg.from)}" y="${y + 4}" width="${Math.max(1, x(seg.to) - x(seg.from))}" height="16" fill="${fill}"><title>${esc(`${tl.cohort} runs ${seg.release}${seg.bad ? " (the bad release)" : ""} from ${offset(seg.from)} to ${offset(seg.to)}`)}</title></rect>`,
      );
    }
    for (const seg of tl.failing) {
      if (seg.from >= span) continue;
      parts.push(
        `<rect class="failing" x="${x(seg.from)}" y="${y + 4}" width="${Math.max(1, x(seg.to) - x(seg.from))}" height="16" fill="${COLORS.failing}" fill-opacity="0.85"><title>${esc(`fault showing in ${tl.cohort} from ${offset(seg.from)} for ${duration(seg.to - seg.from)}`)}</title></rect>`,
      );
    }
    for (const seg of tl.health) {
      if (seg.from >= span) continue;
      parts.push(
        `<rect class="health" x="${x(seg.from)}" y="${y + 24}" width="${Math.max(1, x(seg.to) - x(seg.from))}" height="9" fill="${HEALTH_COLORS[seg.state]}"><title>${esc(`${tl.cohort} health ${seg.state} from ${offset(seg.from)} to ${offset(seg.to)}`)}</title></rect>`,
      );
    }
    // Drawn in order of importance, so a gate failure is never hidden under a later marker.
    const rank = (kind: string): number =>
      /fail|alarm|paged/.test(kind) ? 2 : /revert/.test(kind) ? 1 : 0;
    const marks = tl.decisions
      .filter((d) => d.cohort === tl.cohort)
      .sort((p, q) => rank(p.kind) - rank(q.kind) || p.t - q.t);
    for (const d of marks) {
      if (d.t > span) continue;
      parts.push(
        `<circle class="decision" cx="${x(d.t)}" cy="${y + 41}" r="4" fill="${decisionColor(d.kind)}"><title>${esc(`${offset(d.t)} ${d.cohort ?? "all"}: ${d.kind}${d.detail ? ` — ${d.detail}` : ""}`)}</title></circle>`,
      );
    }
  });
  return `<svg id="${esc(id)}" class="chart timeline" role="img" aria-label="${esc(`timeline of ${a.strategy}`)}" viewBox="0 0 ${WIDTH} ${height}" width="100%" xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif">${parts.join("")}</svg>`;
}
