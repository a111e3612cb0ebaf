/**
 * Alarm readings -> gate verdict. Fails closed: a read error (after the
 * runner's retries) or a declared alarm that does not exist is a failure,
 * never a pass. INSUFFICIENT_DATA follows the policy: `fail` at once,
 * `ignore` as OK, or `hold` (default) until the bake ends, then fail.
 */
import type { InsufficientDataPolicy, RecordedReading } from "./events.js";

export type Verdict =
  { kind: "pass" } | { kind: "hold"; reason: string } | { kind: "fail"; reason: string };

export interface GateInput {
  readings: RecordedReading[];
  /** Alarms the plan declared; one missing from the readings is treated as not existing. */
  declared: string[];
  error?: string;
}

/** The verdict during or at the end of a bake. */
export function bakeVerdict(
  input: GateInput,
  policy: InsufficientDataPolicy,
  bakeEnded: boolean,
): Verdict {
  const problem = closedFailure(input);
  if (problem) return { kind: "fail", reason: problem };
  const byName = new Map(input.readings.map((r) => [r.name, r]));
  const alarming = input.declared.filter((n) => byName.get(n)?.state === "ALARM");
  if (alarming.length > 0) {
    return {
      kind: "fail",
      reason: `alarm ${alarming.map((n) => describe(byName.get(n))).join(", ")} in ALARM`,
    };
  }
  const insufficient = input.declared.filter((n) => byName.get(n)?.state !== "OK");
  if (insufficient.length === 0 || policy === "ignore") return { kind: "pass" };
  const reason = `alarm ${insufficient.join(", ")} has INSUFFICIENT_DATA`;
  if (policy === "fail") return { kind: "fail", reason: `${reason} (policy: fail)` };
  if (bakeEnded) return { kind: "fail", reason: `${reason} at the end of the bake (policy: hold)` };
  return { kind: "hold", reason: `${reason} (policy: hold until the bake ends)` };
}

/** Before deploying: a cohort already in ALARM (or unreadable, or missing an alarm) is not deployed to. */
export function precheckVerdict(input: GateInput): Verdict {
  const problem = closedFailure(input);
  if (problem) return { kind: "fail", reason: `before deploy: ${problem}` };
  const alarming = input.readings.filter(
    (r) => input.declared.includes(r.name) && r.state === "ALARM",
  );
  if (alarming.length > 0) {
    return {
      kind: "fail",
      reason: `before deploy: alarm ${alarming.map((r) => describe(r)).join(", ")} already in ALARM — not deploying to a cohort that is already unhealthy`,
    };
  }
  return { kind: "pass" };
}

const KNOWN_STATES = new Set<string>(["OK", "ALARM", "INSUFFICIENT_DATA"]);

function closedFailure(input: GateInput): string | undefined {
  if (input.error !== undefined) return `alarms could not be read (${input.error}); failing closed`;
  const byName = new Map(input.readings.map((r) => [r.name, r]));
  const missing = input.declared.filter((n) => !byName.get(n)?.exists);
  if (missing.length > 0)
    return `declared alarm ${missing.join(", ")} does not exist; failing closed`;
  // An alarm that exists but reports no state we know (a new or garbled StateValue) says
  // nothing about health: not INSUFFICIENT_DATA, which `ignore` would pass.
  const unknown = input.declared.filter((n) => !KNOWN_STATES.has(byName.get(n)?.state ?? ""));
  if (unknown.length > 0)
    return `declared alarm ${unknown.join(", ")} reports no known state; failing closed`;
  return undefined;
}

function describe(r: RecordedReading | undefined): string {
  if (!r) return "?";
  return r.reason ? `${r.name} (${r.reason})` : r.name;
}
