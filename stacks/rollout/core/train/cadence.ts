/**
 * Cadence per cohort: the minimum interval between two releases entering it, the maximum
 * per calendar day, and the weekly windows it takes releases in — the day and the windows
 * counted in the cohort's IANA time zone. Local time comes from Intl, so daylight-saving
 * changes are the time zone database's business, not ours: a window that opens at 02:30 on
 * the night the clocks skip 02:00-03:00 opens at 03:00, the first local instant inside it.
 *
 * Pure: `now` is an argument. Waits carry the instant they end, found by scanning forward and
 * then bisecting to the millisecond (windows start and end on quarter hours — events.ts checks
 * it — so a 15-minute scan step never jumps over one).
 */
import { type Cadence, type CadenceWindow, WEEKDAYS, type Weekday } from "./events.js";

export interface LocalTime {
  /** Local calendar day as YYYY-MM-DD. */
  date: string;
  weekday: Weekday;
  /** Local time as HH:MM (24-hour). */
  hhmm: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      weekday: "short",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether `timeZone` is a zone Intl knows (checked when a release is submitted). */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

const QUARTER = 15 * 60_000;
/** `zone@quarter` -> UTC offset (ms) during that quarter hour; bounded, cleared when full. */
const offsets = new Map<string, number>();

/**
 * The zone's UTC offset during the quarter hour holding `at`. Offsets change only at
 * transitions, and every zone's transitions fall on quarter hours, so one Intl call per zone
 * and quarter hour serves every instant in it (scans reuse them across decisions).
 */
function offsetAt(at: number, timeZone: string): number {
  const quarter = Math.floor(at / QUARTER) * QUARTER;
  const key = `${timeZone}@${String(quarter)}`;
  const known = offsets.get(key);
  if (known !== undefined) return known;
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(quarter)) parts[p.type] = p.value;
  const local = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
  );
  const offset = local - quarter;
  if (offsets.size > 200_000) offsets.clear();
  offsets.set(key, offset);
  return offset;
}

const pad = (n: number): string => String(n).padStart(2, "0");

/** The local calendar day, weekday and time of `at` in `timeZone`. */
export function localTime(at: number, timeZone: string): LocalTime {
  const d = new Date(at + offsetAt(at, timeZone));
  return {
    date: `${String(d.getUTCFullYear())}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`,
    // getUTCDay: 0 is Sunday.
    weekday: WEEKDAYS[(d.getUTCDay() + 6) % 7],
    hhmm: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`,
  };
}

function inWindow(local: LocalTime, w: CadenceWindow): boolean {
  return w.days.includes(local.weekday) && local.hhmm >= w.start && local.hhmm < w.end;
}

/** Whether `at` falls inside one of the cadence's windows (no windows: always). */
export function insideWindows(cadence: Cadence, at: number): boolean {
  if (!cadence.windows) return true;
  const local = localTime(at, cadence.timeZone);
  return cadence.windows.some((w) => inWindow(local, w));
}

const MINUTE = 60_000;
const SCAN_STEP = 15 * MINUTE;
const SCAN_LIMIT = 8 * 24 * 60 * MINUTE;

/**
 * The first instant after `from` at which `pred` holds, given it is false at `from`: scan
 * forward in steps, then bisect the last step. Undefined when it never holds within 8 days.
 */
function firstAfter(from: number, pred: (at: number) => boolean): number | undefined {
  let lo = from;
  for (let hi = from + SCAN_STEP; hi <= from + SCAN_LIMIT; hi += SCAN_STEP) {
    if (pred(hi)) {
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (pred(mid)) hi = mid;
        else lo = mid;
      }
      return hi;
    }
    lo = hi;
  }
  return undefined;
}

export type CadenceWait =
  | { ok: true }
  | {
      ok: false;
      waitingFor: "interval" | "window" | "day-limit";
      /** When to decide again (undefined: never within a week — the windows name no day). */
      until: number | undefined;
      reason: string;
    };

/** What the cohort remembers for its cadence: when releases entered it (recent ones). */
export interface CadenceHistory {
  lastEnteredAt?: number;
  /** Entry times within the last two days, oldest first: enough for any local day. */
  recentEntries: number[];
}

/** How long entry times are kept: a local day spans at most 25 hours, in any zone. */
export const CADENCE_MEMORY_MS = 48 * 60 * MINUTE;

const iso = (at: number): string => new Date(at).toISOString();

/** May a release enter a cohort with this cadence and history at `now`; if not, until when and why? */
export function cadenceAllows(cadence: Cadence, history: CadenceHistory, now: number): CadenceWait {
  const last = history.lastEnteredAt;
  if (last !== undefined && cadence.minIntervalMs > 0 && now < last + cadence.minIntervalMs) {
    const until = last + cadence.minIntervalMs;
    return {
      ok: false,
      waitingFor: "interval",
      until,
      reason: `minimum interval ${String(Math.round(cadence.minIntervalMs / 1000))}s between two releases: the last entered at ${iso(last)}, next at ${iso(until)}`,
    };
  }
  if (cadence.maxPerDay !== undefined) {
    const today = localTime(now, cadence.timeZone).date;
    const count = history.recentEntries.filter(
      (at) => localTime(at, cadence.timeZone).date === today,
    ).length;
    if (count >= cadence.maxPerDay) {
      const until = firstAfter(now, (at) => localTime(at, cadence.timeZone).date !== today);
      return {
        ok: false,
        waitingFor: "day-limit",
        until,
        reason: `${String(count)} of at most ${String(cadence.maxPerDay)} releases per day already entered on ${today} (${cadence.timeZone})${until !== undefined ? `; next day starts ${iso(until)}` : ""}`,
      };
    }
  }
  if (!insideWindows(cadence, now)) {
    const until = firstAfter(now, (at) => insideWindows(cadence, at));
    const local = localTime(now, cadence.timeZone);
    const windows = (cadence.windows ?? [])
      .map((w) => `${w.days.join(",")} ${w.start}-${w.end}`)
      .join("; ");
    return {
      ok: false,
      waitingFor: "window",
      until,
      reason: `outside the cohort's windows (${windows} ${cadence.timeZone}; now ${local.weekday} ${local.hhmm})${until !== undefined ? `; next opens ${iso(until)}` : "; no window opens within a week"}`,
    };
  }
  return { ok: true };
}
