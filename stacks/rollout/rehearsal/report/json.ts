/**
 * The `--json` output: the whole rehearsal as plain data. Non-finite ratios
 * (the plan exposed nothing) become null, since JSON has no Infinity.
 */
import type { Rehearsal } from "../rehearse.js";
import type { TrainRehearsal } from "../train/rehearse-train.js";

export const REPORT_SCHEMA_VERSION = 1;

export function rehearsalJson(r: Rehearsal): string {
  return JSON.stringify(
    { schemaVersion: REPORT_SCHEMA_VERSION, ...r },
    (_key, value: unknown) => (typeof value === "number" && !Number.isFinite(value) ? null : value),
    2,
  );
}

/**
 * A train rehearsal as JSON (`kind: "train"`); the per-cohort timeline behind the HTML chart
 * is left out (the releases' paths carry the same decisions).
 * @param r the train rehearsal
 */
export function trainRehearsalJson(r: TrainRehearsal): string {
  const { analysis: _timeline, ...rest } = r;
  return JSON.stringify(
    { schemaVersion: REPORT_SCHEMA_VERSION, ...rest },
    (_key, value: unknown) => (typeof value === "number" && !Number.isFinite(value) ? null : value),
    2,
  );
}
