/**
 * The train rehearsal's HTML report: self-contained like the single-release one (inline CSS
 * and SVG, no script). The verdict, where the bad release was caught and who was held, a
 * table of every release's path through the waves, the per-cohort timeline (which release
 * each cohort ran when), the exposure, and the makespan beside one release at a time.
 */
import type { TrainRehearsal, TrainThroughput } from "../train/rehearse-train.js";
import { esc } from "./escape.js";
import { count, describeFault, duration, offset, percent } from "./format.js";
import { CSS } from "./html.js";
import { COLORS, HEALTH_COLORS } from "./palette.js";
import { timelineSvg } from "./timeline-svg.js";
import { passageText } from "./train-terminal.js";

/** Every other good release of the train, beside COLORS.candidate. */
const GOOD_ALTERNATE = "#1d4ed8";

function legend(): string {
  const item = (color: string, label: string): string =>
    `<span><i style="background:${color}"></i>${esc(label)}</span>`;
  return `<div class="legend">${[
    item(COLORS.baseline, "baseline release"),
    `<span><i style="background:${COLORS.candidate}"></i><i style="background:${GOOD_ALTERNATE}"></i>good releases of the train, alternating (hover for which)</span>`,
    item(COLORS.dormant, "the bad release, fault not showing yet"),
    item(COLORS.failing, "the bad release, fault showing"),
    item(HEALTH_COLORS.OK, "health OK"),
    item(HEALTH_COLORS.ALARM, "ALARM"),
  ].join("")}<span>● decisions (hover for details)</span></div>`;
}

/**
 * The releases × cohorts table of paths.
 * @param r the train rehearsal
 */
function pathsTable(r: TrainRehearsal): string {
  const cohorts = r.waves.flatMap((w) => w.cohorts.map((c) => ({ wave: w.index, cohort: c })));
  const head = cohorts.map((c) => `<th>wave ${String(c.wave + 1)}: ${esc(c.cohort)}</th>`).join("");
  const rows = r.releases
    .map((p) => {
      const cells = cohorts
        .map((c) => {
          const passage = p.cohorts.find((x) => x.cohort === c.cohort);
          return `<td class="passage ${esc(passage?.status.replace(" ", "-") ?? "")}">${esc(passage ? passageText(passage) : "—")}</td>`;
        })
        .join("");
      const outcome = p.finished
        ? `${p.finished.outcome} ${offset(p.finished.at)}`
        : p.held
          ? `held behind ${p.held.cause} since ${offset(p.held.at)}`
          : p.status;
      return `<tr id="release-${esc(p.release)}"${p.bad ? ' class="bad-release"' : ""}><td><b>${esc(p.release)}</b>${p.bad ? " (bad)" : ""}<br><span class="muted">${esc(p.version ?? "config")}</span></td><td>${esc(outcome)}</td>${cells}</tr>`;
    })
    .join("");
  return `<table id="releases"><thead><tr><th>release</th><th>outcome</th>${head}</tr></thead><tbody>${rows}</tbody></table>`;
}

/**
 * @param label which run
 * @param t its figures
 */
function throughputRow(label: string, t: TrainThroughput): string {
  return `<tr><td>${esc(label)}</td><td class="num">${esc(duration(t.makespanSeconds))}</td><td class="num">${esc(t.completed)}</td><td class="num">${esc(t.superseded)}</td><td class="num">${esc(t.deploysPerWeek.toFixed(1))}</td><td>${esc(t.outcome === "needs-human" ? "needs-human (the held releases above)" : `${t.outcome}: ${t.reason}`)}</td></tr>`;
}

/**
 * @param r the train rehearsal
 */
export function trainRehearsalHtml(r: TrainRehearsal): string {
  const caught = r.caught
    ? `<p id="caught"><b>${esc(r.badRelease ?? "?")}</b> was caught at <b>wave ${esc(r.caught.wave + 1)} (${esc(r.caught.cohort)})</b> at ${esc(offset(r.caught.at))}${r.caught.latent ? ", after its bake (latent activation)" : ""} and never entered ${esc(r.caught.neverReached.join(", ") || "—")}.<br><span class="muted">${esc(r.caught.reason)}</span></p>`
    : "";
  const held = r.held.length
    ? `<ul id="held">${r.held.map((h) => `<li><b>${esc(h.release)}</b> held behind ${esc(h.cause)} since ${esc(offset(h.at))}: ${esc(h.reason)}</li>`).join("")}</ul>`
    : `<p id="held" class="muted">No release was held.</p>`;
  const exposureRows = r.exposure.perCohort
    .map(
      (c) =>
        `<tr><td>${esc(c.cohort)}</td><td class="num">${esc(count(c.badRequests))}</td><td class="num">${esc(count(c.faultyRequests))}</td><td class="num">${esc(percent(c.shareOfCohort))}</td><td class="num">${esc(percent(c.shareOfAll))}</td></tr>`,
    )
    .join("");
  const end = Math.min(r.windowSeconds, r.train.makespanSeconds * 1.05 + 600);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Train rehearsal of ${esc(r.environment)}: ${esc(String(r.releases.length))} releases</title>
<style>${CSS}</style></head>
<body><main>
<h1>Release train rehearsal · ${esc(r.environment)}</h1>
<p class="muted">${esc(String(r.releases.length))} releases, order ${esc(r.order)}, ${r.badRelease !== undefined ? `${esc(r.badRelease)} carries the fault: <b>${esc(describeFault(r.fault))}</b>` : "every release good"} · seed ${esc(r.seed)} · the real train controller and scheduler on a virtual clock; bakes start when the new version serves (simulated ECS deployments watched); observation window ${esc(duration(r.observationSeconds))}</p>
<div class="verdict ${r.verdict.ok ? "ok" : "bad"}" id="verdict">${esc(r.verdict.ok ? "OK" : "NOT OK")} (${esc(r.verdict.kind)}): ${esc(r.verdict.summary)}</div>
<h2>Where the bad release was caught, and who was held</h2>
${caught}
${held}
<h2>Each release's path through the waves</h2>
<p class="muted">Waves: ${esc(r.waves.map((w) => `${w.index + 1}: ${w.cohorts.join(", ")} (bake ${duration(w.bakeSeconds)}${w.minIntervalSeconds > 0 ? `, interval ${duration(w.minIntervalSeconds)}` : ""})`).join(" → "))}. Times from the first submission.</p>
${pathsTable(r)}
<h2>Timeline</h2>
${legend()}
${timelineSvg(r.analysis, end, "timeline-train", (release) => {
  // Successive releases in alternating shades, so each handover shows on a cohort's lane.
  const i = r.releases.findIndex((p) => p.release === release);
  return i % 2 === 0 ? COLORS.candidate : GOOD_ALTERNATE;
})}
<h2>Exposure</h2>
<p id="exposure">${esc(count(r.exposure.badRequests))} requests served by the bad release: ${esc(percent(r.exposure.shareOfAll))} of all traffic over the ${esc(duration(r.windowSeconds))} window; detected ${esc(duration(r.timeToDetectSeconds))} and reverted everywhere ${esc(duration(r.timeToRevertSeconds))} after the fault first showed.</p>
<table class="cohort-exposure"><thead><tr><th>cohort</th><th>bad-release requests</th><th>while failing</th><th>share of cohort</th><th>share of all</th></tr></thead><tbody>${exposureRows}</tbody></table>
<h2>Makespan and deploys per week</h2>
<table id="throughput"><thead><tr><th>run</th><th>makespan</th><th>completed</th><th>superseded</th><th>deploys/week</th><th>stopped</th></tr></thead><tbody>
${throughputRow("the train (every release submitted at once)", r.train)}
${r.oneAtATime ? throughputRow("one at a time (each submitted once the one before finished)", r.oneAtATime) : ""}
</tbody></table>
${r.speedup !== undefined ? `<p class="muted">The train is ${esc(r.speedup.toFixed(2))}x faster than one release at a time, for the same releases up to the same stop.</p>` : ""}
<h2>What was simulated</h2>
<p class="muted">${esc(r.alarmSource)}</p>${r.warnings.length ? `<ul>${r.warnings.map((w) => `<li>⚠ ${esc(w)}</li>`).join("")}</ul>` : ""}
</main></body></html>
`;
}
