/**
 * Release trains on the command line (flags and exit codes: train-cli.ts; README.md,
 * "Release trains"): `submit` appends a release to the environment's train, `run` is the
 * environment's one controller, `deploy --train` submits and then drives or follows the
 * train until its release has finished, `status --train` shows every release in flight.
 *
 * Every command reads the train the way the controller does: the latest snapshot plus the
 * ledger's tail (file: from a remembered byte offset; DynamoDB: a range query after the
 * snapshot's sequence number), so none of them grows with the ledger's age.
 */
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { z } from "zod";
import { FileLedger } from "../../adapters/ledger-file.js";
import {
  FileSnapshotStore,
  TailedFileLedger,
  snapshotPathFor,
} from "../../adapters/train-file-store.js";
import type { RolloutEvent } from "../../core/events.js";
import { EXIT, type ExitCode } from "../../core/exit-codes.js";
import { LedgerConflictError } from "../../core/ports.js";
import { isTimeZone } from "../../core/train/cadence.js";
import type { SnapshotStore } from "../../core/train/compaction.js";
import { trainPolicySchema, trainWaveSchema } from "../../core/train/events.js";
import type { TrainOutcome, TrainState } from "../../core/train/state.js";
import { formatTrainStatus, trainStatus } from "../../core/train/status.js";
import {
  type TrainPorts,
  type TrainRunResult,
  TrainController,
} from "../../executor/train-controller.js";
import { type BuiltPorts, type CliIo, CliError, usageError } from "./context.js";
import { type CommonOptions, cliCommand } from "./options.js";
import { type TrainRunOptions, type TrainSubmitOptions, decisionCommands } from "./train-flags.js";

/** The environment's train: its waves (cohorts, stacks, bakes, alarms, cadence) and policy. */
export const trainConfigSchema = z
  .object({
    waves: z.array(trainWaveSchema).min(1),
    policy: trainPolicySchema.default(trainPolicySchema.parse({})),
  })
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.waves.forEach((w, i) => {
      if (w.index !== i)
        ctx.addIssue({
          code: "custom",
          path: ["waves", i, "index"],
          message: `must be ${String(i)} (waves in order, the first is 0)`,
        });
      w.cohorts.forEach((co, j) => {
        if (seen.has(co.cohort))
          ctx.addIssue({
            code: "custom",
            path: ["waves", i, "cohorts", j, "cohort"],
            message: `${co.cohort} is in the train twice; hint: each cohort in one wave`,
          });
        seen.add(co.cohort);
        if (!isTimeZone(co.cadence.timeZone))
          ctx.addIssue({
            code: "custom",
            path: ["waves", i, "cohorts", j, "cadence", "timeZone"],
            message: `unknown time zone ${co.cadence.timeZone}; hint: an IANA name such as Europe/London`,
          });
      });
    });
  });
export type TrainConfig = z.infer<typeof trainConfigSchema>;

/**
 * Reads and validates a train file: one error naming every problem with its path.
 * @param path the `--train` file (JSON)
 */
export function loadTrainConfig(path: string): TrainConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw usageError([
      `--train: cannot read ${path} as JSON: ${(err as Error).message}; hint: README.md, "Release trains", shows one`,
    ]);
  }
  const parsed = trainConfigSchema.safeParse(raw);
  if (!parsed.success)
    throw usageError(
      parsed.error.issues.map(
        (i) => `--train ${path}: ${i.path.join(".") || "(root)"}: ${i.message}`,
      ),
    );
  return parsed.data;
}

export function isConflict(err: unknown): err is { actualNext?: number } {
  return (
    err instanceof LedgerConflictError || (err as { code?: string }).code === "LEDGER_CONFLICT"
  );
}

/**
 * The ports a train controller uses: the ledger with its tail reader and snapshot store
 * (file: beside the ledger file; DynamoDB: an item of the ledger's partition).
 * @param ports the CLI's ports
 * @param o the common options (which ledger)
 * @param io where the controller's log goes (stderr)
 */
export async function trainPorts(
  ports: BuiltPorts,
  o: CommonOptions,
  io: CliIo,
): Promise<TrainPorts> {
  const base = {
    driver: ports.driver,
    gate: ports.gate,
    clock: ports.clock,
    log: (l: string) => io.stderr(`${l}\n`),
    // The bake watches the new version: the same watcher as a single release's (drive.ts).
    ...(ports.deployments ? { deployments: ports.deployments } : {}),
  };
  if (ports.ledger instanceof FileLedger) {
    const now = ports.clock.now.bind(ports.clock);
    return {
      ...base,
      ledger: new TailedFileLedger(ports.ledger.path, { now }),
      snapshots: new FileSnapshotStore(snapshotPathFor(ports.ledger.path)),
    };
  }
  let snapshots: SnapshotStore | undefined;
  if (o.ledger === "dynamodb") {
    // Loaded only for a DynamoDB ledger: the file backend never pays for the AWS SDK.
    const [{ DynamoDbLedger }, { DynamoDbSnapshotStore }] = await Promise.all([
      import("../../adapters/dynamodb-ledger.js"),
      import("../../adapters/train-dynamodb-store.js"),
    ]);
    if (ports.ledger instanceof DynamoDbLedger)
      snapshots = DynamoDbSnapshotStore.beside(ports.ledger);
  }
  return { ...base, ledger: ports.ledger, ...(snapshots ? { snapshots } : {}) };
}

/** A controller of this process (`run`, `deploy`), or a reader of the train (`submit`, `status`). */
export function controllerFor(
  tp: TrainPorts,
  options: {
    stopWhenIdle: boolean;
    until?: ConstructorParameters<typeof TrainController>[1]["until"];
  },
  signal?: AbortSignal,
): TrainController {
  return new TrainController(tp, {
    owner: `train@${hostname()}:${String(process.pid)}`,
    ...options,
    ...(signal ? { signal } : {}),
  });
}

/**
 * Appends at the ledger's end, retrying when another writer got there first. Not fenced: a
 * submission is a human's decision and holds no lease; the controller that holds it reads the
 * submission at its next step (core/ports.ts, Ledger.append).
 */
async function appendAtEnd(tp: TrainPorts, after: number, event: RolloutEvent): Promise<number> {
  let next = after + 1;
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      return (await tp.ledger.append(event, next)).seq;
    } catch (err) {
      if (!isConflict(err)) throw err;
      next =
        typeof err.actualNext === "number"
          ? err.actualNext
          : ((await tp.ledger.read()).at(-1)?.seq ?? 0) + 1;
    }
  }
  throw new Error(`could not submit ${event.release}: the ledger keeps moving; try again`);
}

async function submitTo(
  tp: TrainPorts,
  o: CommonOptions,
  args: TrainSubmitOptions,
): Promise<{ release: string; seq: number }> {
  const train = loadTrainConfig(args.train);
  const reader = controllerFor(tp, { stopWhenIdle: true });
  const state = await reader.refresh();
  if (state.releases.has(args.release))
    throw usageError([
      `--release ${args.release}: already in the train; hint: a new id per release (follow it with \`${cliCommand(o, "status", "--train")}\`)`,
    ]);
  const seq = await appendAtEnd(tp, state.lastSeq, {
    type: "train-submitted",
    release: args.release,
    environment: o.environment,
    releaseSpec: {
      id: args.release,
      config: args.config,
      ...(args.version !== undefined ? { version: args.version } : {}),
    },
    waves: train.waves,
    policy: train.policy,
  });
  return { release: args.release, seq };
}

/**
 * `submit`: adds a release to the environment's train. Exit 0 recorded, 2 refused.
 * @param ports the CLI's ports
 * @param o the common options
 * @param args the release and the train file
 * @param io output
 */
export async function submitCommand(
  ports: BuiltPorts,
  o: CommonOptions,
  args: TrainSubmitOptions,
  io: CliIo,
): Promise<ExitCode> {
  const { release, seq } = await submitTo(await trainPorts(ports, o, io), o, args);
  io.stdout(
    o.json
      ? JSON.stringify({ kind: "submitted", release, seq }) + "\n"
      : `submitted ${release} to ${o.environment}'s train (#${String(seq)}); ` +
          `\`${cliCommand(o, "run")}\` moves it, \`${cliCommand(o, "status", "--train")}\` shows it\n`,
  );
  return EXIT.done;
}

/**
 * SIGINT/SIGTERM, as the single-release runner (drive.ts) treats them: the first stops the
 * controller — no new work, running updates cancelled through their AbortSignal, which sends
 * pulumi the SIGINT it gets from a Ctrl-C in a terminal anyway (it finishes the resource
 * operations in flight and writes its checkpoint, so the stack is left consistent and the
 * stop does not wait for a long update). A cancelled update is recorded nowhere: the next
 * `run` re-reads the stack and resumes it; never a release failure. The lease is released on
 * the way out. A second one leaves at once (exit 3); the lease then expires, or is taken over
 * at once on this host once the process is gone, and the next `run` resumes the same way.
 */
export function interruptible(io: CliIo): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(EXIT.human);
    io.stderr(
      `\n${sig}: stopping the train controller: no new work, running updates cancelled as pulumi does on Ctrl-C (${sig === "SIGINT" ? "Ctrl-C" : sig} again to leave now)\n`,
    );
    controller.abort(new Error(`interrupted by ${sig}`));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

/** 0 when every release this run saw finish completed or was superseded, 1 when one was reverted. */
function codeFor(finished: Iterable<TrainOutcome>): ExitCode {
  for (const f of finished) if (f === "failed" || f === "aborted") return EXIT.reverted;
  return EXIT.done;
}

function report(io: CliIo, o: CommonOptions, result: TrainRunResult, code: ExitCode, extra = {}) {
  // Stopped with work left (Ctrl-C, the lease taken over): the exact command that goes on.
  const next =
    result.outcome === "interrupted" || result.outcome === "lease-lost"
      ? cliCommand(o, "run")
      : undefined;
  io.stdout(
    o.json
      ? JSON.stringify({
          kind: "train-run",
          outcome: result.outcome,
          reason: result.reason,
          exitCode: code,
          ...(next ? { next } : {}),
          ...extra,
        }) + "\n"
      : `train ${result.outcome}: ${result.reason}\n${next ? `  continue with: ${next}\n` : ""}`,
  );
}

/**
 * `run`: the environment's one controller, until the train is idle or waits for a human
 * (or, with `--forever`, until interrupted). Exit 0, 1 (a release reverted), 3 (a human).
 * @param ports the CLI's ports
 * @param o the common options
 * @param args how it runs
 * @param io output
 */
export async function runCommand(
  ports: BuiltPorts,
  o: CommonOptions,
  args: TrainRunOptions,
  io: CliIo,
): Promise<ExitCode> {
  const stop = interruptible(io);
  try {
    const controller = controllerFor(
      await trainPorts(ports, o, io),
      { stopWhenIdle: !args.forever },
      stop.signal,
    );
    const result = await controller.run();
    const finished = Object.fromEntries(controller.finished);
    const code = result.outcome === "idle" ? codeFor(controller.finished.values()) : EXIT.human;
    report(io, o, result, code, { finished });
    return code;
  } finally {
    stop.dispose();
  }
}

/** What `deploy --train` waits for: its release finished, held, or a revert that failed. */
function releaseSettled(id: string) {
  return (s: TrainState, finished: ReadonlyMap<string, TrainOutcome>): boolean => {
    if (finished.has(id)) return true;
    const r = s.releases.get(id);
    if (!r) return true;
    return !!r.held || [...r.targets.values()].some((t) => t.phase === "revert-failed");
  };
}

/** The outcome the ledger recorded for a release that finished before this process looked. */
async function recordedOutcome(tp: TrainPorts, id: string, after: number) {
  const records = tp.ledger.readAfter
    ? await tp.ledger.readAfter(after)
    : (await tp.ledger.read()).filter((r) => r.seq > after);
  for (const r of records) {
    const e = r.event as RolloutEvent;
    if (e.type === "train-finished" && e.release === id) return e.outcome;
  }
  return undefined;
}

/**
 * `deploy --train`: submit, then drive the train until the release has finished; when another
 * controller holds the environment, follow it (and take over if its lease expires).
 * Exit 0 completed or superseded, 1 reverted, 3 held or a revert failed.
 * @param ports the CLI's ports
 * @param o the common options
 * @param args the release and the train file
 * @param io output
 */
export async function trainDeployCommand(
  ports: BuiltPorts,
  o: CommonOptions,
  args: TrainSubmitOptions,
  io: CliIo,
): Promise<ExitCode> {
  const tp = await trainPorts(ports, o, io);
  const { release, seq } = await submitTo(tp, o, args);
  io.stderr(`submitted ${release} to ${o.environment}'s train (#${String(seq)})\n`);
  const stop = interruptible(io);
  try {
    const settled = releaseSettled(release);
    const controller = controllerFor(tp, { stopWhenIdle: true, until: settled }, stop.signal);
    let result = await controller.run();
    let following = "";
    while (result.outcome === "lease-held") {
      // Another controller moves the train: follow it from the ledger, at the train's poll.
      if (following !== result.reason) io.stderr(`following: ${result.reason}\n`);
      following = result.reason;
      const state = await controller.refresh();
      if (settled(state, controller.finished)) break;
      const poll = state.releases.get(release)?.policy.pollIntervalMs ?? 30_000;
      await ports.clock.sleep(poll, stop.signal).catch(() => undefined);
      if (stop.signal.aborted)
        throw new CliError(`interrupted while following ${release}`, EXIT.human);
      result = await controller.run();
    }
    const live = controller.state.releases.get(release);
    const outcome =
      controller.finished.get(release) ??
      (live ? undefined : await recordedOutcome(tp, release, seq));
    const code =
      outcome === "completed" || outcome === "superseded"
        ? EXIT.done
        : outcome === "failed" || outcome === "aborted"
          ? EXIT.reverted
          : EXIT.human;
    const reason =
      outcome !== undefined
        ? `${release} ${outcome}`
        : live?.held
          ? `${release} is held: ${live.held.reason}`
          : result.reason;
    report(io, o, { ...result, reason }, code, { release, ...(outcome ? { outcome } : {}) });
    return code;
  } finally {
    stop.dispose();
  }
}

/**
 * `status --train`: every release in flight, where it is and what it waits for. Exit 0.
 * @param ports the CLI's ports
 * @param o the common options
 * @param io output
 */
export async function trainStatusCommand(
  ports: BuiltPorts,
  o: CommonOptions,
  io: CliIo,
): Promise<ExitCode> {
  const reader = controllerFor(await trainPorts(ports, o, io), { stopWhenIdle: true });
  const st = trainStatus(await reader.refresh(), ports.clock.now(), decisionCommands(o));
  io.stdout(o.json ? JSON.stringify(st, null, 2) + "\n" : formatTrainStatus(st));
  return EXIT.done;
}
