/**
 * The `rehearse` command's options, validated in one place: every problem is
 * reported at once, with the flag it came from and a hint.
 */
import { z } from "zod";
import type { RolloutPolicy } from "../core/events.js";
import { parseFault, type Fault } from "./sim/faults.js";

/** The fault names the command accepts (`latency` is short for a latency regression). */
export const FAULT_CHOICES = ["none", "error-spike", "latency", "crash-loop", "latent"] as const;

export const DEFAULT_REPORT_PATH = ".artifacts/rehearsal/report.html";

/** The gate policy rehearsed: the rollout's defaults (hold on INSUFFICIENT_DATA, poll every 30 s). */
export const REHEARSAL_POLICY: RolloutPolicy = {
  insufficientData: "hold",
  pollIntervalMs: 30_000,
  allowDataLoss: false,
};

const intFlag = (flag: string, min: number) =>
  z.coerce
    .number({ error: `${flag}: expected a number` })
    .int({ error: `${flag}: expected a whole number` })
    .min(min, { error: `${flag}: must be at least ${min}` });

export const rehearseOptionsSchema = z.object({
  environment: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,19}$/, {
      error: "--environment: lowercase letters, digits and '-' (e.g. prod)",
    })
    .default("prod"),
  // No default here: the current folder, resolved when the program is loaded.
  program: z.string().min(1, { error: "--program: the Pulumi project's folder" }).optional(),
  fault: z
    .enum(FAULT_CHOICES, { error: `--fault: one of ${FAULT_CHOICES.join(", ")}` })
    .default("error-spike"),
  seed: intFlag("--seed", 0).default(1),
  out: z.string().min(1, { error: "--out: a file path" }).default(DEFAULT_REPORT_PATH),
  json: z.boolean().default(false),
  verbose: z.boolean().default(false),
  profile: z.string().min(1).optional(),
  operatorResponse: intFlag("--operator-response", 1).default(15),
  // No default here: given without --fault latent it would be ignored, so it is refused.
  activateAfter: intFlag("--activate-after", 0).optional(),
  bakeFrom: z
    .enum(["serving", "update"], {
      error: "--bake-from: serving (what deploy does) or update (the old behaviour)",
    })
    .default("serving"),
  // A train (train/rehearse-train.ts): no defaults here, so that a train flag given without
  // --train is refused rather than ignored.
  train: intFlag("--train", 2).max(50, { error: "--train: at most 50 releases" }).optional(),
  bad: intFlag("--bad", 1).optional(),
  observation: intFlag("--observation", 0).optional(),
  trainOrder: z
    .enum(["queue", "supersede"], {
      error: "--train-order: queue (every release through every cohort) or supersede",
    })
    .optional(),
});
export type RehearseOptions = z.infer<typeof rehearseOptionsSchema>;

export type ParsedOptions =
  { ok: true; options: RehearseOptions } | { ok: false; problems: string[] };

export function parseRehearseOptions(raw: Record<string, unknown>): ParsedOptions {
  const parsed = rehearseOptionsSchema.safeParse(raw);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => i.message);
  const fault = raw.fault ?? rehearseOptionsSchema.shape.fault.def.defaultValue;
  if (raw.activateAfter !== undefined && fault !== "latent") {
    problems.push("--activate-after: only used with --fault latent; add --fault latent or drop it");
  }
  problems.push(...trainProblems(raw, fault, parsed.success ? parsed.data.train : undefined));
  if (parsed.success && problems.length === 0) return { ok: true, options: parsed.data };
  return { ok: false, problems };
}

/**
 * The train flags' problems with each other and with --fault (each flag's own shape is the
 * schema's business).
 * @param raw the flags as given
 * @param fault the --fault given, or its default
 * @param train --train, when it parsed
 */
function trainProblems(raw: Record<string, unknown>, fault: unknown, train: number | undefined) {
  const problems: string[] = [];
  if (raw.train === undefined) {
    for (const [key, flag] of [
      ["bad", "--bad"],
      ["observation", "--observation"],
      ["trainOrder", "--train-order"],
    ] as const)
      if (raw[key] !== undefined)
        problems.push(
          `${flag}: only used with --train; add --train <releases> (e.g. 5) or drop it`,
        );
    return problems;
  }
  if (raw.bad !== undefined && fault === "none")
    problems.push(
      "--bad: --fault none rehearses a train of good releases; drop --bad or pick a fault",
    );
  const bad = Number(raw.bad);
  if (raw.bad !== undefined && train !== undefined && Number.isInteger(bad) && bad > train)
    problems.push(
      `--bad: release ${String(bad)} of a train of ${String(train)}; hint: 1 to ${String(train)}`,
    );
  return problems;
}

/**
 * The bad release's position: --bad, or the middle of the train (releases ahead of it and
 * behind it both show).
 * @param options the parsed options of a train rehearsal
 */
export function badPosition(options: Pick<RehearseOptions, "train" | "bad">): number {
  return options.bad ?? Math.ceil((options.train ?? 1) / 2);
}

/** The fault model a `--fault` name stands for, with the model's defaults. */
export function faultFor(options: Pick<RehearseOptions, "fault" | "activateAfter">): Fault {
  switch (options.fault) {
    case "none":
      return parseFault({ kind: "none" });
    case "error-spike":
      return parseFault({ kind: "error-spike" });
    case "latency":
      return parseFault({ kind: "latency-regression" });
    case "crash-loop":
      return parseFault({ kind: "crash-loop" });
    case "latent":
      return parseFault({
        kind: "latent",
        activateAfterSeconds: (options.activateAfter ?? 60) * 60,
      });
  }
}
