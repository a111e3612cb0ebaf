/** Number, duration and fault wording shared by the terminal, JSON and HTML reports. */
import type { Fault, ActiveFault } from "../sim/faults.js";

/** 211 -> "3m31s", 3725 -> "1h02m", undefined -> "—". */
export function duration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return "—";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** Offset from the rollout start: "+12:05" (minutes:seconds) or "+1:02:05". */
export function offset(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `+${h}:${String(m).padStart(2, "0")}:${ss}` : `+${m}:${ss}`;
}

export function count(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

export function percent(share: number): string {
  if (share === 0) return "0%";
  const p = share * 100;
  return `${p < 0.1 ? p.toPrecision(2) : p.toFixed(p < 10 ? 2 : 1)}%`;
}

/** A ratio of exposures: "7.3x", "∞" when the plan exposed nothing, "—" when unknown. */
export function ratio(r: number | undefined): string {
  if (r === undefined || Number.isNaN(r)) return "—";
  if (!Number.isFinite(r)) return "∞";
  return `${r >= 100 ? r.toFixed(0) : r.toFixed(1)}x`;
}

function activeFault(f: ActiveFault): string {
  switch (f.kind) {
    case "error-spike":
      return `error spike (+${percent(f.errorRate)} 5xx)`;
    case "latency-regression":
      return `latency regression (latency ×${f.factor})`;
    case "crash-loop":
      return `crash loop (${percent(f.unhealthyFraction)} of hosts unhealthy)`;
  }
}

export function describeFault(f: Fault): string {
  switch (f.kind) {
    case "none":
      return "none (a good release)";
    case "latent":
      return `latent: healthy for ${duration(f.activateAfterSeconds)} after ${f.from === "first-deploy" ? "its first deploy anywhere" : "reaching each cohort"}, then ${activeFault(f.then)}`;
    default:
      return activeFault(f);
  }
}
