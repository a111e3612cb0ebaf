/**
 * What every command gets: its output streams, the ports built from its
 * options (through one PortsFactory, so tests can swap the adapters), and a
 * lease on the environment for the commands that drive stacks.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { crashAfterAppends, parseCrashPoint } from "../../adapters/crash-hook.js";
import { EXIT, type ExitCode } from "../../core/exit-codes.js";
import type {
  Clock,
  DeploymentWatcher,
  HealthGate,
  Ledger,
  StackDriver,
} from "../../core/ports.js";
import { type CommonOptions, cliCommand } from "./options.js";

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stderr is a terminal (progress lines are redrawn in place). */
  isTTY: boolean;
  env: Record<string, string | undefined>;
}

export const processIo: CliIo = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  isTTY: process.stderr.isTTY,
  env: process.env,
};

/** The adapter options the CLI passes to the factory (a subset of adapters/wiring.ts PortsOptions). */
export interface PortsRequest {
  projectDir: string;
  environment: string;
  ledger: "file" | "dynamodb";
  ledgerPath?: string;
  ledgerTable?: string;
  region?: string;
  endpoint?: string;
}

export interface BuiltPorts {
  driver: StackDriver;
  gate: HealthGate;
  /** Watches deployments named by cohort stacks (absent: a stack that names one fails closed). */
  deployments?: DeploymentWatcher;
  ledger: Ledger<unknown>;
  clock: Clock;
  ledgerLocation: string;
  close(): void;
}

/** Builds the ports; throws an error with `problems: string[]` for bad adapter options. */
export type PortsFactory = (request: PortsRequest) => BuiltPorts | Promise<BuiltPorts>;

/** A failure the CLI reports as one message and an exit code (no stack trace). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export function usageError(problems: string[]): CliError {
  return new CliError(
    `invalid options:\n${problems.map((p) => `  - ${p}`).join("\n")}\n(see --help)`,
    EXIT.usage,
  );
}

export async function buildPorts(
  factory: PortsFactory,
  o: CommonOptions,
  io: CliIo,
): Promise<BuiltPorts> {
  const request: PortsRequest = {
    projectDir: o.projectDir,
    environment: o.environment,
    ledger: o.ledger,
    ...(o.ledgerPath !== undefined ? { ledgerPath: o.ledgerPath } : {}),
    ...(o.ledgerTable !== undefined ? { ledgerTable: o.ledgerTable } : {}),
    ...(o.region !== undefined ? { region: o.region } : {}),
    ...(o.endpointUrl !== undefined ? { endpoint: o.endpointUrl } : {}),
  };
  let ports: BuiltPorts;
  try {
    ports = await factory(request);
  } catch (err) {
    const problems = (err as { problems?: unknown }).problems;
    if (Array.isArray(problems)) {
      // The adapters name options by their property; the operator knows them as flags.
      throw usageError(problems.map((p) => asFlag(String(p))));
    }
    throw err;
  }
  const crashAfter = io.env.COHORT_ROLLOUT_CRASH_AFTER;
  if (crashAfter !== undefined && crashAfter !== "") {
    const point = parseCrashPoint(crashAfter);
    if (point === undefined) {
      throw usageError([
        `COHORT_ROLLOUT_CRASH_AFTER: "${crashAfter}" is neither a whole number >= 1 nor <event type>:<cohort>`,
      ]);
    }
    ports = { ...ports, ledger: crashAfterAppends(ports.ledger, point) };
  }
  return ports;
}

/** "ledgerTable: required" -> "--ledger-table: required". */
function asFlag(problem: string): string {
  const m = /^([a-z][A-Za-z]*): /.exec(problem);
  if (!m) return problem;
  const key = m[1] ?? "";
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}${problem.slice(key.length)}`;
}

/** A held lease, renewed in the background; `lost` aborts when a renewal fails. */
export interface HeldLease {
  owner: string;
  lost: AbortSignal;
  release(): Promise<void>;
}

export const LEASE_TTL_MS = 60_000;

export function leaseOwner(command: string): string {
  return `${command}@${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
}

/**
 * Takes the environment's lease, or throws exit 3 naming the holder: two runs
 * never drive one environment at once.
 */
export async function takeLease(
  ledger: Ledger<unknown>,
  environment: string,
  command: string,
  ttlMs = LEASE_TTL_MS,
  /** The `status` command to print, with the run's project and ledger flags. */
  statusCommand = `cohort-rollout status --environment ${environment}`,
): Promise<HeldLease> {
  const owner = leaseOwner(command);
  const got = await ledger.acquireLease(owner, ttlMs);
  if (!got.acquired) {
    const until = new Date(got.lease.expiresAt).toISOString();
    throw new CliError(
      `environment ${environment} is being driven by ${got.lease.owner} (lease until ${until}, renewed while it runs); ` +
        `wait for it to finish, follow it with \`${statusCommand}\`, ` +
        `or pause/abort it from here`,
      EXIT.human,
    );
  }
  const controller = new AbortController();
  const timer = setInterval(
    () => {
      ledger.renewLease(owner, ttlMs).then(
        (ok) => {
          if (!ok) controller.abort(new Error(`lost the lease on ${environment} (taken over)`));
        },
        (err: unknown) => {
          // A transient error is tolerated while the lease is still ours; expiry is the limit.
          void err;
        },
      );
    },
    Math.max(100, Math.floor(ttlMs / 3)),
  );
  timer.unref();
  return {
    owner,
    lost: controller.signal,
    async release() {
      clearInterval(timer);
      await ledger.releaseLease(owner).catch(() => undefined);
    },
  };
}

/** The lease for one of the CLI's driving commands; refused with the `status` command to follow. */
export function leaseFor(ports: BuiltPorts, o: CommonOptions, command: string): Promise<HeldLease> {
  return takeLease(ports.ledger, o.environment, command, undefined, cliCommand(o, "status"));
}
