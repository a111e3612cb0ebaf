/** The report's colours, shared by the charts and their legends. */
import type { AlarmStateValue } from "../../core/ports.js";

export const COLORS = {
  baseline: "#cbd5e1",
  candidate: "#60a5fa",
  /** The bad release, before its fault shows. */
  dormant: "#fbbf24",
  failing: "#dc2626",
  grid: "#e2e8f0",
  text: "#0f172a",
  muted: "#64748b",
} as const;

export const HEALTH_COLORS: Record<AlarmStateValue, string> = {
  OK: "#16a34a",
  ALARM: "#dc2626",
  INSUFFICIENT_DATA: "#9ca3af",
};

/** Cohort colours in the exposure chart, by rollout order. */
export const COHORT_COLORS = ["#0ea5e9", "#8b5cf6", "#f97316", "#14b8a6", "#e11d48", "#84cc16"];

/** A decision marker's colour, by what kind of decision it is. */
export function decisionColor(kind: string): string {
  if (/fail|alarm|paged|blocked/.test(kind)) return "#dc2626";
  if (/revert/.test(kind)) return "#7c3aed";
  if (/passed|final|completed/.test(kind)) return "#16a34a";
  if (/appl|push/.test(kind)) return "#2563eb";
  return "#64748b";
}
