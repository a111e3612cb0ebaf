/**
 * Reading Pulumi engine events: the per-resource operations of a preview (so
 * the runner can refuse a release that would replace or delete storage), the
 * summary, one-line progress for long operations, the stack's outputs as the
 * update registered them, and the `--event-log` file the CLI writes them to.
 */
import { open } from "node:fs/promises";
import type { EngineEvent } from "@pulumi/pulumi/automation/index.js";
import type { ChangeOp, PlannedChange, ProgressSink } from "../core/ports.js";

/** The engine's step ops folded onto the ports' coarser ChangeOp. */
export function changeOpOf(op: string): ChangeOp | undefined {
  switch (op) {
    case "same":
    case "create":
    case "update":
    case "delete":
    case "replace":
    case "read":
    case "refresh":
      return op;
    case "create-replacement":
    case "delete-replaced":
    case "discard-replaced":
    case "import-replacement":
    case "read-replacement":
    case "remove-pending-replace":
      return "replace";
    case "discard":
      return "delete";
    case "import":
      return "create";
    default:
      return undefined;
  }
}

/** How bad an op is, so several steps on one URN resolve to the worst. */
const SEVERITY: Record<ChangeOp, number> = {
  same: 0,
  read: 1,
  refresh: 1,
  update: 2,
  create: 3,
  delete: 4,
  replace: 5,
};

/**
 * Which engine events become progress lines: `all` (steps, warnings, errors, the
 * summary) for an operation whose steps are reported nowhere else (up, refresh);
 * `problems` (warnings and errors only) for a preview, whose steps and counts the
 * caller reports once as its own preview summary.
 */
export type ProgressEcho = "all" | "problems";

/** Collects the planned changes of one operation from its engine events. */
export class ChangeCollector {
  private readonly byUrn = new Map<string, PlannedChange>();
  private summaryCounts: Record<string, number> | undefined;

  constructor(
    private readonly onProgress?: ProgressSink,
    private readonly echo: ProgressEcho = "all",
  ) {}

  readonly onEvent = (event: EngineEvent): void => {
    const pre = event.resourcePreEvent?.metadata;
    if (pre) {
      const op = changeOpOf(pre.op);
      if (op !== undefined) {
        const existing = this.byUrn.get(pre.urn);
        if (!existing || SEVERITY[op] > SEVERITY[existing.op]) {
          this.byUrn.set(pre.urn, { urn: pre.urn, type: pre.type, op });
        }
      }
      if (this.echo === "all" && pre.op !== "same")
        this.onProgress?.(`${pre.op} ${pre.type} ${nameOf(pre.urn)}`);
    }
    const diagnostic = event.diagnosticEvent;
    if (diagnostic && (diagnostic.severity === "error" || diagnostic.severity === "warning")) {
      this.onProgress?.(`${diagnostic.severity}: ${diagnostic.message.trim()}`);
    }
    if (event.summaryEvent) {
      this.summaryCounts = { ...event.summaryEvent.resourceChanges };
      if (this.echo === "all") this.onProgress?.(`summary ${formatCounts(this.summaryCounts)}`);
    }
  };

  get changes(): PlannedChange[] {
    return [...this.byUrn.values()];
  }

  /** Counts per op: the engine's summary when it sent one, else counted from the steps. */
  summary(fallback?: Record<string, number>): Partial<Record<ChangeOp, number>> {
    const source = this.summaryCounts ?? fallback;
    const counts: Partial<Record<ChangeOp, number>> = {};
    if (source && Object.keys(source).length > 0) {
      for (const [op, n] of Object.entries(source)) {
        const mapped = changeOpOf(op);
        if (mapped !== undefined && n > 0) counts[mapped] = (counts[mapped] ?? 0) + n;
      }
      return counts;
    }
    for (const change of this.byUrn.values()) counts[change.op] = (counts[change.op] ?? 0) + 1;
    return counts;
  }
}

function nameOf(urn: string): string {
  return urn.split("::").pop() ?? urn;
}

function formatCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([op, n]) => `${op}=${String(n)}`)
    .join(" ");
}

/**
 * Follows a CLI's `--event-log <file>` (JSON lines, one engine event each) while the
 * CLI runs, so a long update reports progress as it goes. The file is polled rather
 * than watched: fs.watch misses appends on some filesystems, and a poll costs a stat.
 */
export class EventLogTail {
  private offset = 0;
  private partial = "";
  private readonly timer: NodeJS.Timeout;
  private reading: Promise<void> = Promise.resolve();

  /**
   * @param path the `--event-log` file (created empty before the CLI starts)
   * @param onEvent called once per event, in the file's order
   * @param pollMs how often the file is read while the CLI runs
   */
  constructor(
    private readonly path: string,
    private readonly onEvent: (event: EngineEvent) => void,
    pollMs = 250,
  ) {
    this.timer = setInterval(() => void this.read(), pollMs);
  }

  /** Stops polling and reads what the CLI wrote last (call after it exited). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.read();
  }

  private read(): Promise<void> {
    // Reads never overlap: each starts where the previous one stopped.
    this.reading = this.reading.then(async () => {
      const handle = await open(this.path, "r").catch(() => undefined);
      if (!handle) return;
      try {
        const { size } = await handle.stat();
        if (size <= this.offset) return;
        const buffer = Buffer.alloc(size - this.offset);
        await handle.read(buffer, 0, buffer.length, this.offset);
        this.offset = size;
        const lines = (this.partial + buffer.toString("utf8")).split("\n");
        this.partial = lines.pop() ?? "";
        for (const line of lines) if (line.trim()) this.emit(line);
      } finally {
        await handle.close();
      }
    });
    return this.reading;
  }

  private emit(line: string): void {
    try {
      this.onEvent(JSON.parse(line) as EngineEvent);
    } catch {
      // A line the engine wrote half (a killed CLI) carries nothing the outcome needs.
    }
  }
}

/**
 * The stack's outputs as the update's root resource (`pulumi:pulumi:Stack`) registered
 * them, or undefined when the events did not carry them or carried a secret (events
 * show a secret as "[secret]": its value must come from `stack output --show-secrets`).
 */
export class StackOutputsCollector {
  private found: Record<string, unknown> | undefined;
  private masked = false;

  readonly onEvent = (event: EngineEvent): void => {
    const metadata = event.resOutputsEvent?.metadata;
    if (metadata?.type !== "pulumi:pulumi:Stack") return;
    const outputs = metadata.new?.outputs as Record<string, unknown> | undefined;
    if (!outputs) return;
    this.masked = JSON.stringify(outputs).includes('"[secret]"');
    this.found = outputs;
  };

  get outputs(): Record<string, unknown> | undefined {
    return this.masked ? undefined : this.found;
  }
}
