/**
 * The notification outbox: a sidecar JSON Lines file next to the ledger
 * (`<env>.outbox.jsonl`) recording what was to be sent to which sink, every
 * attempt, and how it ended. Not the ledger, on purpose:
 *
 * - the ledger records decisions; deliveries decide nothing, and the machine
 *   must never read them. Appending them there would make a flapping sink
 *   compete with the runner's conditional appends (expectedSeq) on the revert
 *   path, each retry a conflict the runner has to re-decide around;
 * - sinks answer with text we do not control (an echoed URL, a token in an
 *   error): the ledger, shared by a team and kept forever, must never hold
 *   it. The outbox is local, redacted at the source, and deletable;
 * - nothing is lost with it: notifications are a pure function of the ledger
 *   (derive.ts), so the outbox only adds the cursor (how far they were
 *   derived) and the attempts. A lost outbox restarts at the current release.
 *
 * A torn last line (the process died mid-write) is ignored.
 */
import { promises as fs } from "node:fs";
import { dirname, join } from "node:path";
import type { Notification } from "./notification.js";

export type OutboxEntry =
  /** Notifications were derived from every ledger record up to `seq`. */
  | { t: "cursor"; seq: number }
  | { t: "enqueued"; sink: string; at: number; notification: Notification }
  | { t: "attempt"; id: string; sink: string; attempt: number; at: number; error?: string }
  | { t: "delivered"; id: string; sink: string; at: number; attempts: number }
  | { t: "gave-up"; id: string; sink: string; at: number; attempts: number; error: string };

export type DeliveryStatus = "pending" | "delivered" | "failed";

export interface Delivery {
  notification: Notification;
  sink: string;
  status: DeliveryStatus;
  attempts: number;
  enqueuedAt: number;
  lastAttemptAt?: number;
  lastError?: string;
}

export interface OutboxState {
  cursor?: number;
  /** Keyed `<notification id>@<sink>`, in the order they were enqueued. */
  deliveries: Map<string, Delivery>;
}

export function deliveryKey(id: string, sink: string): string {
  return `${id}@${sink}`;
}

/** Folds outbox entries (pure). */
export function foldOutbox(entries: Iterable<OutboxEntry>): OutboxState {
  const s: OutboxState = { deliveries: new Map() };
  for (const e of entries) {
    if (e.t === "cursor") {
      s.cursor = Math.max(s.cursor ?? 0, e.seq);
      continue;
    }
    if (e.t === "enqueued") {
      const key = deliveryKey(e.notification.id, e.sink);
      if (!s.deliveries.has(key))
        s.deliveries.set(key, {
          notification: e.notification,
          sink: e.sink,
          status: "pending",
          attempts: 0,
          enqueuedAt: e.at,
        });
      continue;
    }
    const d = s.deliveries.get(deliveryKey(e.id, e.sink));
    if (!d) continue;
    if (e.t === "attempt") {
      d.attempts = Math.max(d.attempts, e.attempt);
      d.lastAttemptAt = e.at;
      if (e.error !== undefined) d.lastError = e.error;
    } else if (e.t === "delivered") {
      d.status = "delivered";
      d.attempts = Math.max(d.attempts, e.attempts);
    } else {
      d.status = "failed";
      d.attempts = Math.max(d.attempts, e.attempts);
      d.lastError = e.error;
    }
  }
  return s;
}

/** Where the outbox of a ledger lives: beside a file ledger, or in the project's .rollout dir. */
export function outboxPathFor(opts: {
  ledger: "file" | "dynamodb";
  ledgerLocation: string;
  projectDir: string;
  environment: string;
}): string {
  if (opts.ledger === "file") {
    const loc = opts.ledgerLocation;
    return loc.endsWith(".ledger.jsonl")
      ? `${loc.slice(0, -".ledger.jsonl".length)}.outbox.jsonl`
      : `${loc}.outbox.jsonl`;
  }
  return join(opts.projectDir, ".rollout", `${opts.environment}.outbox.jsonl`);
}

function parseLines(text: string): OutboxEntry[] {
  const lines = text.split("\n");
  const out: OutboxEntry[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    try {
      out.push(JSON.parse(line) as OutboxEntry);
    } catch (err) {
      // The last line may be torn by a crash mid-write; anywhere else it is corruption.
      if (i < lines.length - 1) throw new Error(`outbox line ${i + 1} is not JSON: ${String(err)}`);
    }
  });
  return out;
}

/** The outbox file: reads, and appends one entry per line, in order. */
export class OutboxFile {
  private chain: Promise<void> = Promise.resolve();
  private needsNewline = false;

  constructor(readonly path: string) {}

  async read(): Promise<OutboxEntry[]> {
    let text: string;
    try {
      text = await fs.readFile(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
    this.needsNewline = text.length > 0 && !text.endsWith("\n");
    return parseLines(text);
  }

  /** Appends in call order; a failed write is reported, never thrown into the run. */
  append(entries: OutboxEntry[], onError: (err: unknown) => void): Promise<void> {
    this.chain = this.chain.then(async () => {
      try {
        await fs.mkdir(dirname(this.path), { recursive: true });
        const prefix = this.needsNewline ? "\n" : "";
        this.needsNewline = false;
        await fs.appendFile(
          this.path,
          prefix + entries.map((e) => JSON.stringify(e)).join("\n") + "\n",
        );
      } catch (err) {
        onError(err);
      }
    });
    return this.chain;
  }
}

/** The deliveries `status` shows: failed ones, and pending ones that were attempted. */
export async function readDeliveryProblems(path: string): Promise<{
  failed: Delivery[];
  pending: Delivery[];
}> {
  const state = foldOutbox(await new OutboxFile(path).read());
  const all = [...state.deliveries.values()];
  return {
    failed: all.filter((d) => d.status === "failed"),
    pending: all.filter((d) => d.status === "pending"),
  };
}
