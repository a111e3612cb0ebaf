/**
 * The `--json` output: the whole rehearsal as plain data. Non-finite ratios
 * (the plan exposed nothing) become null, since JSON has no Infinity.
 */
import type { Rehearsal } from "../rehearse.js";

export const REPORT_SCHEMA_VERSION = 1;

export function rehearsalJson(r: Rehearsal): string {
  return JSON.stringify(
    { schemaVersion: REPORT_SCHEMA_VERSION, ...r },
    (_key, value: unknown) => (typeof value === "number" && !Number.isFinite(value) ? null : value),
    2,
  );
}
