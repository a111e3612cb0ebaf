/**
 * Progress reporting: the runner emits structured updates; the CLI renders
 * them as terminal lines or as NDJSON (`--json`). The rehearsal can pass its
 * own sink.
 */
import type { RecordedReading, RolloutEvent } from "./events.js";

export type ProgressUpdate =
  | {
      kind: "event";
      seq: number;
      at: number;
      event: RolloutEvent;
    }
  | { kind: "wave"; release: string; wave: number; waves: number; cohorts: string[] }
  | {
      kind: "bake";
      release: string;
      wave: number;
      cohort: string;
      msLeft: number;
      alarms: Pick<RecordedReading, "name" | "state" | "exists">[];
    }
  | {
      kind: "preview";
      release: string;
      cohort: string;
      summary: Partial<Record<string, number>>;
      changes: string[];
    }
  | { kind: "log"; release: string; cohort?: string; line: string };

export type ProgressListener = (update: ProgressUpdate) => void;

function clock(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, "0")}`;
}

/** Renders one update as a human line (no colours: logs and terminals alike). */
export function renderLine(u: ProgressUpdate): string {
  switch (u.kind) {
    case "event": {
      const e = u.event;
      const where = "cohort" in e ? ` ${e.cohort}` : "";
      const why = "reason" in e ? ` — ${e.reason}` : "";
      return `#${u.seq} ${e.type}${where} [${e.release}]${why}`;
    }
    case "wave":
      return `wave ${u.wave + 1}/${u.waves}: ${u.cohorts.join(", ")} [${u.release}]`;
    case "bake": {
      const alarms = u.alarms
        .map((a) => `${a.name}=${a.exists ? (a.state ?? "?") : "MISSING"}`)
        .join(" ");
      return `  wave ${u.wave + 1} ${u.cohort}: baking, ${clock(u.msLeft)} left · ${alarms}`;
    }
    case "preview": {
      const summary = Object.entries(u.summary)
        .map(([op, n]) => `${op} ${n ?? 0}`)
        .join(", ");
      return [
        `  preview ${u.cohort}: ${summary || "no changes"}`,
        ...u.changes.map((c) => `    ${c}`),
      ].join("\n");
    }
    case "log":
      return `  ${u.cohort ?? ""}${u.cohort ? ": " : ""}${u.line}`;
  }
}

export function terminalListener(write: (s: string) => void): ProgressListener {
  return (u) => write(renderLine(u) + "\n");
}

export function jsonListener(write: (s: string) => void): ProgressListener {
  return (u) => write(JSON.stringify(u) + "\n");
}
