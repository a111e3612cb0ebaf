/**
 * The CLI's options, validated in one place with zod: every problem is
 * reported at once, with the flag it came from and a hint, before anything
 * is read or deployed. Commander only collects raw strings; it never decides.
 */
import { Option, type Command } from "commander";
import { z } from "zod";
import { insufficientDataPolicySchema } from "../../core/events.js";
import { flagDefault } from "./option-defaults.js";

/** "200ms", "30s", "2m", or a bare number of seconds -> milliseconds. */
export function parseDurationMs(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? "s";
  return Math.round(unit === "ms" ? n : unit === "m" ? n * 60_000 : n * 1000);
}

const duration = (flag: string, minMs: number) =>
  z.string().transform((text, ctx) => {
    const ms = parseDurationMs(text);
    if (ms === undefined || ms < minMs) {
      ctx.addIssue({
        code: "custom",
        message: `${flag}: "${text}" is not a duration of at least ${minMs} ms; hint: 30s, 200ms, 2m`,
      });
      return z.NEVER;
    }
    return ms;
  });

const KEY_VALUE = /^([A-Za-z_][A-Za-z0-9_.:-]*)=(.*)$/s;

const keyValues = (flag: string) =>
  z.array(z.string()).transform((pairs, ctx) => {
    const out: Record<string, string> = {};
    for (const pair of pairs) {
      const m = KEY_VALUE.exec(pair);
      if (!m) {
        ctx.addIssue({
          code: "custom",
          message: `${flag}: "${pair}" is not KEY=VALUE; hint: ${flag} LOG_LEVEL=debug`,
        });
        continue;
      }
      const key = m[1] ?? "";
      if (key === "__proto__") {
        // Assigning it would replace the map's prototype: the value would vanish unsaid.
        ctx.addIssue({
          code: "custom",
          message: `${flag}: "__proto__" cannot be a config key (JavaScript reserves it); hint: rename it`,
        });
        continue;
      }
      out[key] = m[2] ?? "";
    }
    return out;
  });

/** Options every command takes (the environment, where the project and the ledger are, AWS). */
export const commonOptionsSchema = z.object({
  environment: z
    .string({ error: "--environment: required; hint: --environment prod" })
    .regex(/^[A-Za-z0-9._-]+$/, {
      error: "--environment: letters, digits, '.', '_' or '-' (it names the ledger), e.g. prod",
    }),
  projectDir: z.string().min(1).default("."),
  ledger: z
    .enum(["file", "dynamodb"], { error: '--ledger: "file" (default) or "dynamodb"' })
    .default("file"),
  ledgerTable: z.string().min(1).optional(),
  ledgerPath: z.string().min(1).optional(),
  region: z.string().min(1).optional(),
  endpointUrl: z.url({ error: "--endpoint-url: a URL such as http://127.0.0.1:5000" }).optional(),
  edgeStack: z.string().min(1).optional(),
  json: z.boolean().default(false),
});

/** Checks across options; run on the raw flags so they are reported alongside every other problem. */
function ledgerProblems(raw: Record<string, unknown>): string[] {
  const ledger = raw.ledger ?? flagDefault(commonOptionsSchema, "ledger");
  const problems: string[] = [];
  if (ledger === "dynamodb" && raw.ledgerTable === undefined)
    problems.push("--ledger-table: required with --ledger dynamodb; hint: --ledger-table rollouts");
  if (ledger === "file" && raw.ledgerTable !== undefined)
    problems.push(
      "--ledger-table: only used with --ledger dynamodb; add --ledger dynamodb or drop it",
    );
  if (ledger === "dynamodb" && raw.ledgerPath !== undefined)
    problems.push("--ledger-path: only used with --ledger file; drop it or use --ledger file");
  return problems;
}

export type CommonOptions = z.infer<typeof commonOptionsSchema>;

/**
 * The flags that say where this run's project and ledger are (and which AWS endpoint), as the
 * operator gave them: every command the CLI prints for a human to run next carries them, so it
 * works when pasted as printed.
 */
export function locationFlags(o: CommonOptions): string[] {
  const parts: string[] = [];
  if (o.projectDir !== ".") parts.push(`--project-dir ${o.projectDir}`);
  if (o.ledger === "dynamodb")
    parts.push(`--ledger dynamodb --ledger-table ${o.ledgerTable ?? ""}`);
  if (o.ledgerPath !== undefined) parts.push(`--ledger-path ${o.ledgerPath}`);
  if (o.region !== undefined) parts.push(`--region ${o.region}`);
  if (o.endpointUrl !== undefined) parts.push(`--endpoint-url ${o.endpointUrl}`);
  return parts;
}

/** `npx cohort-rollout <verb> --environment <env> [<args>] <location flags>`. */
export function cliCommand(o: CommonOptions, verb: string, ...args: string[]): string {
  return [
    "npx cohort-rollout",
    verb,
    `--environment ${o.environment}`,
    ...args,
    ...locationFlags(o),
  ].join(" ");
}

/** Options that shape how a release is driven (recorded in the plan, so a resume decides alike). */
export const runOptionsSchema = z.object({
  pollInterval: duration("--poll-interval", 100).prefault("30s"),
  allowDataLoss: z.boolean().default(false),
  insufficientData: z
    .string()
    .transform((v, ctx) => {
      const parsed = insufficientDataPolicySchema.safeParse(v);
      if (parsed.success) return parsed.data;
      ctx.addIssue({
        code: "custom",
        message: `--insufficient-data: "${v}" is not hold, fail or ignore (default hold: wait until the bake ends, then fail)`,
      });
      return z.NEVER;
    })
    .prefault("hold"),
  publicationLag: duration("--publication-lag", 0).prefault("60s"),
  bakeScale: z.coerce
    .number({ error: "--bake-scale: a number > 0" })
    .positive({ error: "--bake-scale: a number > 0 (1 in production)" })
    .max(1, { error: "--bake-scale: at most 1 (it only shortens bakes, for tests)" })
    .default(1),
});
export type RunOptions = z.infer<typeof runOptionsSchema>;

/** What is rolled out. */
export const releaseOptionsSchema = z.object({
  release: z
    .string({ error: "--release: required; hint: --release 2026-11-22.1 (unique per release)" })
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:+-]*$/, {
      error: "--release: letters, digits and . _ : + - (unique per release)",
    }),
  version: z
    .string({ error: "--version: required; the artifact version, e.g. --version 1.6.0" })
    .min(1),
  config: keyValues("--config").default({}),
  edgeConfig: keyValues("--edge-config").optional(),
  programRevision: z.string().min(1).optional(),
  /** Cohorts whose wave this release waits for `approve` before (on top of the environment's). */
  approveBefore: z.array(z.string().min(1)).default([]),
});
export type ReleaseOptions = z.infer<typeof releaseOptionsSchema>;

export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** Parses with `schema`; problems carry their flag names (unknown paths get `--<path>`). */
export function parseOptions<T>(schema: z.ZodType<T>, raw: Record<string, unknown>): Parsed<T> {
  const parsed = schema.safeParse(raw);
  const extra = schema === (commonOptionsSchema as z.ZodType) ? ledgerProblems(raw) : [];
  if (parsed.success && extra.length === 0) return { ok: true, value: parsed.data };
  return {
    ok: false,
    problems: [
      ...(parsed.success
        ? []
        : parsed.error.issues.map((i) =>
            i.message.startsWith("--") ? i.message : `${flagOf(i.path)}: ${i.message}`,
          )),
      ...extra,
    ],
  };
}

function flagOf(path: PropertyKey[]): string {
  const key = String(path[0] ?? "options");
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Parses several groups at once so the operator sees every problem in one message. */
export function parseAll<A, B>(
  a: [z.ZodType<A>, Record<string, unknown>],
  b: [z.ZodType<B>, Record<string, unknown>],
): Parsed<[A, B]> {
  const pa = parseOptions(a[0], a[1]);
  const pb = parseOptions(b[0], b[1]);
  if (pa.ok && pb.ok) return { ok: true, value: [pa.value, pb.value] };
  return {
    ok: false,
    problems: [...(pa.ok ? [] : pa.problems), ...(pb.ok ? [] : pb.problems)],
  };
}

export function addCommonOptions(cmd: Command): Command {
  return cmd
    .option("--environment <name>", "environment to drive, e.g. prod (names the ledger)")
    .option(
      "--project-dir <dir>",
      "Pulumi project dir (where Pulumi.yaml is)",
      flagDefault(commonOptionsSchema, "projectDir"),
    )
    .option(
      "--ledger <kind>",
      "ledger: file (embedded) or dynamodb (teams)",
      flagDefault(commonOptionsSchema, "ledger"),
    )
    .option("--ledger-table <table>", "DynamoDB table of the ledger (with --ledger dynamodb)")
    .option(
      "--ledger-path <file>",
      "file ledger path (default <project-dir>/.rollout/<env>.ledger.jsonl)",
    )
    .option("--region <region>", "AWS region for CloudWatch and DynamoDB")
    .option("--endpoint-url <url>", "AWS endpoint override (an emulator such as moto)")
    .option("--edge-stack <stack>", "stack that exports the environment (default: its name)")
    .option("--json", "machine-readable output on stdout");
}

export function addRunOptions(cmd: Command): Command {
  return cmd
    .option(
      "--poll-interval <duration>",
      "how often alarms are read during a bake",
      flagDefault(runOptionsSchema, "pollInterval"),
    )
    .option("--allow-data-loss", "allow a release that replaces or deletes a cohort's storage")
    .option(
      "--insufficient-data <policy>",
      "INSUFFICIENT_DATA during a bake: hold (until the bake ends, then fail) | fail | ignore",
      flagDefault(runOptionsSchema, "insufficientData"),
    )
    .option(
      "--publication-lag <duration>",
      "metric publication lag added to each alarm's detection window",
      flagDefault(runOptionsSchema, "publicationLag"),
    )
    .addOption(
      new Option("--bake-scale <factor>", "shorten bakes after validation (tests only)")
        .default(flagDefault(runOptionsSchema, "bakeScale"))
        .hideHelp(),
    );
}

export function addReleaseOptions(cmd: Command): Command {
  // No default for --edge-config: its absence means "the edge does not change". The lists
  // default to empty in the schema (releaseOptionsSchema), so commander declares none.
  const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];
  return cmd
    .option("--release <id>", "release id, unique per release (e.g. 2026-11-22.1)")
    .option("--version <version>", "artifact version to roll out (e.g. an image tag)")
    .option("--config <KEY=VALUE>", "config value of the release (repeatable)", collect)
    .option(
      "--edge-config <KEY=VALUE>",
      "edge stack config; makes the edge a wave of its own after every cohort (repeatable)",
      collect,
    )
    .option("--program-revision <sha>", "git commit of the program to deploy the release with")
    .option(
      "--approve-before <cohort>",
      "wait for `cohort-rollout approve` before this cohort's wave (repeatable)",
      collect,
    );
}
