/**
 * Builds the runner's ports from the CLI's options: the Pulumi Automation
 * API driver over the project dir, the CloudWatch gate, the file (default)
 * or DynamoDB ledger, and the real clock. The one place that knows which
 * adapter backs which port, so the CLI stays free of AWS and Pulumi imports.
 *
 * Options are validated with zod; every problem is reported at once, with
 * its option name and a hint, before anything is created.
 */
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { parseYamlFile } from "../../yaml-file.js";
import { z } from "zod";
import { realClock } from "./real-clock.js";
import { FileLedger } from "./ledger-file.js";
import type { Clock, DeploymentWatcher, HealthGate, Ledger, StackDriver } from "../core/ports.js";
import { AutomationDriver, DEFAULT_PROJECT } from "./automation-driver.js";
import type { AwsAdapterOptions } from "./aws-client-config.js";
import { CloudWatchGate } from "./cloudwatch-gate.js";
import { DynamoDbLedger } from "./dynamodb-ledger.js";
import { EcsDeploymentWatcher } from "./ecs-deployment-watcher.js";
import type { PulumiCommandLike } from "./pulumi-command.js";

/** Where the file ledger lives by default, relative to the project dir (gitignored). */
export const DEFAULT_LEDGER_DIR = ".rollout";

/** The options `createPorts` takes; every CLI flag that picks or configures an adapter. */
export interface PortsOptions {
  /** The Pulumi project dir (where Pulumi.yaml is). Relative paths resolve against the cwd. */
  projectDir: string;
  /** The environment being rolled out, e.g. "prod": names the ledger (file or DynamoDB partition). */
  environment: string;
  /** Which ledger: "file" (default, embedded, one JSONL file per environment) or "dynamodb" (teams). */
  ledger?: "file" | "dynamodb";
  /** File ledger path; default `<projectDir>/.rollout/<environment>.ledger.jsonl`. */
  ledgerPath?: string;
  /** DynamoDB table (required when ledger = "dynamodb"); see README.md, "DynamoDB ledger", for its schema. */
  ledgerTable?: string;
  /** AWS region for CloudWatch and DynamoDB; default: the SDK's (AWS_REGION, profile). */
  region?: string;
  /**
   * AWS endpoint override for CloudWatch, DynamoDB and ECS (an emulator such as moto).
   * Default: AWS_ENDPOINT_URL_CLOUDWATCH / AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_ECS,
   * then AWS_ENDPOINT_URL.
   */
  endpoint?: string;
  /** Pulumi project name (config namespace); default: `name` in Pulumi.yaml. */
  project?: string;
  /** Directory holding `bin/pulumi`; default: `pulumi` on PATH. */
  pulumiRoot?: string;
  /** A PulumiCommand to use instead of the CLI (tests). */
  pulumiCommand?: PulumiCommandLike;
  /** Extra environment for every Pulumi CLI call (PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE, ...). */
  pulumiEnv?: Record<string, string>;
  /** A clock other than the real one (tests, rehearsals). */
  clock?: Clock;
  /** Environment variables to read defaults from; default process.env. */
  env?: Record<string, string | undefined>;
}

/** The runner's ports plus `close()`, which releases the AWS clients' sockets. */
export interface RolloutPorts {
  driver: StackDriver;
  gate: HealthGate;
  /** Watches ECS deployments named by cohort stacks, so bakes start when the new version serves. */
  deployments: DeploymentWatcher;
  ledger: Ledger<unknown>;
  clock: Clock;
  /** Where the ledger is, for messages: a file path or `dynamodb://<table>/<environment>`. */
  ledgerLocation: string;
  close(): void;
}

const nonEmpty = z.string().trim().min(1);

const optionsSchema = z
  .object({
    projectDir: nonEmpty,
    environment: nonEmpty.regex(/^[A-Za-z0-9._-]+$/, {
      message: "use letters, digits, '.', '_' or '-' (it names the ledger file)",
    }),
    ledger: z.enum(["file", "dynamodb"]).default("file"),
    ledgerPath: nonEmpty.optional(),
    ledgerTable: nonEmpty
      .regex(/^[A-Za-z0-9_.-]{3,255}$/, {
        message: "a DynamoDB table name is 3-255 characters of letters, digits, '_', '-', '.'",
      })
      .optional(),
    region: nonEmpty.optional(),
    endpoint: z
      .url({ message: "must be a URL such as http://127.0.0.1:5000" })
      .optional()
      .or(z.literal("").transform(() => undefined)),
    project: nonEmpty.optional(),
    pulumiRoot: nonEmpty.optional(),
  })
  .superRefine((o, ctx) => {
    if (o.ledger === "dynamodb" && o.ledgerTable === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["ledgerTable"],
        message:
          'required with ledger "dynamodb"; hint: --ledger-table cohort-rollout-ledger (create it as in README.md, "DynamoDB ledger")',
      });
    }
    if (o.ledger === "file" && o.ledgerTable !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["ledgerTable"],
        message: 'only used with ledger "dynamodb"; hint: add --ledger dynamodb or drop it',
      });
    }
  });

/** Thrown for bad options: one message naming every problem. */
export class PortsOptionsError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid rollout options:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "PortsOptionsError";
  }
}

/** The Pulumi project name from Pulumi.yaml (or .yml), or undefined when there is none. */
export function readProjectName(projectDir: string): string | undefined {
  for (const file of ["Pulumi.yaml", "Pulumi.yml"]) {
    const path = join(projectDir, file);
    if (!existsSync(path)) continue;
    const doc = parseYamlFile(path, readFileSync(path, "utf8"));
    const name = (doc as { name?: unknown } | null)?.name;
    return typeof name === "string" && name.length > 0 ? name : undefined;
  }
  return undefined;
}

function endpointFor(
  service: "CLOUDWATCH" | "DYNAMODB" | "ECS",
  explicit: string | undefined,
  env: Record<string, string | undefined>,
): string | undefined {
  const value = explicit ?? env[`AWS_ENDPOINT_URL_${service}`] ?? env.AWS_ENDPOINT_URL;
  return value === undefined || value === "" ? undefined : value;
}

/**
 * Validate the options and build the ports. Throws PortsOptionsError (every
 * problem at once) and creates nothing when the options are wrong.
 */
export function createPorts(options: PortsOptions): RolloutPorts {
  const parsed = optionsSchema.safeParse(options);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push(`${issue.path.join(".") || "options"}: ${issue.message}`);
    }
  }
  const projectDir = resolve(options.projectDir || ".");
  if (parsed.success && !existsSync(join(projectDir, "Pulumi.yaml"))) {
    if (!existsSync(join(projectDir, "Pulumi.yml"))) {
      problems.push(
        `projectDir: no Pulumi.yaml in ${projectDir}; hint: --project-dir <dir with Pulumi.yaml>`,
      );
    }
  }
  if (!parsed.success || problems.length > 0) throw new PortsOptionsError(problems);
  const o = parsed.data;
  const env = options.env ?? process.env;

  let project: string;
  try {
    project = o.project ?? readProjectName(projectDir) ?? DEFAULT_PROJECT;
  } catch (error) {
    throw new PortsOptionsError([
      `projectDir: cannot read Pulumi.yaml in ${projectDir}: ${error instanceof Error ? error.message : String(error)}`,
    ]);
  }

  const driver = new AutomationDriver({
    workDir: projectDir,
    project,
    ...(options.pulumiCommand ? { pulumiCommand: options.pulumiCommand } : {}),
    ...(o.pulumiRoot !== undefined ? { pulumiRoot: resolve(o.pulumiRoot) } : {}),
    ...(options.pulumiEnv ? { envVars: options.pulumiEnv } : {}),
    // Commands drive stacks only while holding the environment's lease (context.ts): no other
    // controller runs, so a lock whose `pulumi` is proven dead is a crashed run's, and cleared.
    deadLocks: "cancel",
  });

  const aws = (service: "CLOUDWATCH" | "DYNAMODB" | "ECS"): AwsAdapterOptions => {
    const settings: AwsAdapterOptions = {};
    if (o.region !== undefined) settings.region = o.region;
    const endpoint = endpointFor(service, o.endpoint, env);
    if (endpoint !== undefined) settings.endpoint = endpoint;
    return settings;
  };

  const clock = options.clock ?? realClock;
  const gate = new CloudWatchGate(aws("CLOUDWATCH"));
  const deployments = new EcsDeploymentWatcher(aws("ECS"));
  let ledger: Ledger<unknown>;
  let ledgerLocation: string;
  let closeLedger = (): void => undefined;
  if (o.ledger === "dynamodb") {
    const table = o.ledgerTable ?? "";
    const dynamo = new DynamoDbLedger<unknown>({
      ...aws("DYNAMODB"),
      tableName: table,
      environment: o.environment,
      now: () => clock.now(),
    });
    ledger = dynamo;
    ledgerLocation = `dynamodb://${table}/${o.environment}`;
    closeLedger = () => dynamo.close();
  } else {
    const path =
      o.ledgerPath === undefined
        ? join(projectDir, DEFAULT_LEDGER_DIR, `${o.environment}.ledger.jsonl`)
        : isAbsolute(o.ledgerPath)
          ? o.ledgerPath
          : resolve(o.ledgerPath);
    ledger = new FileLedger(path, { now: () => clock.now() });
    ledgerLocation = path;
  }

  return {
    driver,
    gate,
    deployments,
    ledger,
    clock,
    ledgerLocation,
    close() {
      gate.close();
      deployments.close();
      closeLedger();
    },
  };
}
