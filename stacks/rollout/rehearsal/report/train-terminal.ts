/**
 * The terminal summary of a train rehearsal: the train, each release's path through the
 * waves with virtual times, where the bad release was caught and who was held behind it,
 * the exposure, the makespan and deploys per week (and one release at a time beside them).
 */
import type { CohortPassage, ReleasePath } from "../train/paths.js";
import type { TrainRehearsal, TrainThroughput } from "../train/rehearse-train.js";
import { count, describeFault, duration, offset, percent } from "./format.js";

/**
 * What happened to a release at one cohort, with its times: "entered +0:00  passed +11:05".
 * @param c the release's passage through the cohort
 */
export function passageText(c: CohortPassage): string {
  const parts: string[] = [];
  if (c.entered !== undefined) parts.push(`entered ${offset(c.entered)}`);
  if (c.applied !== undefined) parts.push(`updated ${offset(c.applied)}`);
  if (c.passed !== undefined) parts.push(`passed ${offset(c.passed)}`);
  if (c.settled !== undefined && c.settled !== c.passed) parts.push(`settled ${offset(c.settled)}`);
  if (c.failed) parts.push(`FAILED ${offset(c.failed.at)}${c.failed.latent ? " (latent)" : ""}`);
  if (c.reverted !== undefined) parts.push(`reverted ${offset(c.reverted)}`);
  if (c.superseded) parts.push(`superseded by ${c.superseded.by} ${offset(c.superseded.at)}`);
  if (parts.length === 0) return c.status;
  if (["updating", "baking", "reverting", "revert-failed"].includes(c.status))
    parts.push(`(${c.status} at the end)`);
  return parts.join("  ");
}

/**
 * The release's headline: its outcome and when.
 * @param p the release's path
 */
export function releaseHeadline(p: ReleasePath): string {
  const what = `${p.release}${p.bad ? " (bad)" : ""}`;
  const version = p.version ?? "config";
  if (p.finished) return `${what}  ${version}  ${p.finished.outcome} ${offset(p.finished.at)}`;
  if (p.held) return `${what}  ${version}  held behind ${p.held.cause} since ${offset(p.held.at)}`;
  return `${what}  ${version}  ${p.status}`;
}

/**
 * @param label the line's label, padded
 * @param t the run's figures
 */
function throughputLine(label: string, t: TrainThroughput): string {
  return `${label}${duration(t.makespanSeconds)} makespan · ${String(t.completed)} completed${t.superseded > 0 ? `, ${String(t.superseded)} superseded` : ""} · ${t.deploysPerWeek.toFixed(1)} deploys/week`;
}

/**
 * @param r the train rehearsal
 * @param reportPath where the HTML report was written
 */
export function trainSummary(r: TrainRehearsal, reportPath: string): string {
  const out: string[] = [];
  const pad = (label: string): string => label.padEnd(10);
  out.push(
    `cohort-rollout rehearse --train · environment ${r.environment} · fault ${describeFault(r.fault)} · seed ${String(r.seed)}`,
  );
  out.push(
    `${pad("train")}${String(r.releases.length)} releases (${r.releases.map((p) => p.release).join(", ")}) submitted at +0:00, order ${r.order}${r.badRelease !== undefined ? `; ${r.badRelease} carries the fault` : "; every release good"}`,
  );
  out.push(
    `${pad("waves")}${r.waves
      .map(
        (w) =>
          `wave ${String(w.index + 1)}: ${w.cohorts.join(", ")} (bake ${duration(w.bakeSeconds)}${w.minIntervalSeconds > 0 ? `, interval ${duration(w.minIntervalSeconds)}` : ""})`,
      )
      .join(" → ")}`,
  );
  out.push(
    `${pad("gates")}the real train controller and scheduler; bakes start when the new version serves (simulated ECS deployments watched); observation window ${duration(r.observationSeconds)}`,
  );
  out.push("", "releases (times from the first submission):");
  const width = Math.max(...r.releases.flatMap((p) => p.cohorts.map((c) => c.cohort.length)));
  for (const p of r.releases) {
    out.push(`  ${releaseHeadline(p)}`);
    for (const c of p.cohorts)
      out.push(`      w${String(c.wave + 1)} ${c.cohort.padEnd(width)}  ${passageText(c)}`);
  }
  out.push("");
  if (r.caught) {
    out.push(
      `${pad("caught")}${r.badRelease ?? "?"} at wave ${String(r.caught.wave + 1)} (${r.caught.cohort}) at ${offset(r.caught.at)}${r.caught.latent ? ", after its bake (latent activation)" : ""}; never entered ${r.caught.neverReached.join(", ") || "—"}`,
    );
    out.push(`${pad("")}${r.caught.reason}`);
  } else if (r.badRelease !== undefined) {
    out.push(`${pad("caught")}${r.badRelease} was never caught by a gate`);
  }
  // Releases held by the same failure at the same moment share a line (their reasons differ
  // only in their own name); the first one's recorded reason stands for them.
  const groups = new Map<string, TrainRehearsal["held"]>();
  for (const h of r.held) {
    const key = `${h.cause}@${String(h.at)}`;
    groups.set(key, [...(groups.get(key) ?? []), h]);
  }
  for (const g of groups.values()) {
    const first = g[0];
    out.push(
      `${pad("held")}${g.map((h) => h.release).join(", ")} behind ${first.cause} since ${offset(first.at)}, until a human decides`,
    );
    out.push(`${pad("")}${first.reason}`);
  }
  if (r.badRelease !== undefined) {
    const per = r.exposure.perCohort.map((c) => `${c.cohort} ${count(c.badRequests)}`).join(" · ");
    out.push(
      `${pad("exposure")}${count(r.exposure.badRequests)} bad-release requests = ${percent(r.exposure.shareOfAll)} of all traffic over the ${duration(r.windowSeconds)} window (${per}); detected ${duration(r.timeToDetectSeconds)} and reverted everywhere ${duration(r.timeToRevertSeconds)} after the fault first showed`,
    );
  }
  out.push(throughputLine(pad("train"), r.train));
  if (r.oneAtATime)
    out.push(
      `${throughputLine(pad("1-by-1"), r.oneAtATime)} (each release submitted once the one before finished; the train is ${(r.speedup ?? 1).toFixed(2)}x faster)`,
    );
  out.push(
    `${pad("stopped")}${r.train.outcome}${r.train.outcome === "needs-human" ? ` (${r.held.map((h) => h.release).join(", ") || "a revert"} ${r.held.length === 1 ? "waits" : "wait"} for a human)` : `: ${r.train.reason}`}`,
  );
  out.push("");
  out.push(
    `${pad("verdict")}${r.verdict.ok ? "OK" : "NOT OK"} (${r.verdict.kind}): ${r.verdict.summary}`,
  );
  for (const w of r.warnings) out.push(`${pad("warning")}${w}`);
  out.push(
    `${pad("simulated")}${duration(r.simulatedSeconds)} in ${(r.wallMs / 1000).toFixed(2)}s of wall time`,
  );
  out.push(`${pad("report")}${reportPath}`);
  return out.join("\n") + "\n";
}
