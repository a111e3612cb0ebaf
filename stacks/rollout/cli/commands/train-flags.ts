/**
 * The train commands' flags: what `submit`, `deploy --train` and `run` take, and who decides
 * about a train release and why (`unhold`, `abort`, `resume`), with the exact decision commands
 * `status --train` prints. Shared by the registration (train-cli.ts) and the commands it loads
 * lazily (train-commands.ts, train-decisions.ts), so neither has to import the other's module.
 */
import { z } from "zod";
import { defaultApprover } from "./approval-flags.js";
import { type CommonOptions, cliCommand, releaseOptionsSchema } from "./options.js";

/** What `submit` and `deploy --train` add to the train. */
export const trainSubmitOptionsSchema = releaseOptionsSchema
  .pick({ release: true, config: true })
  .extend({
    train: z.string({
      error: "--train: required; hint: --train train.json (the environment's waves and policy)",
    }),
    /** Absent: a configuration release, which keeps each cohort's version. */
    version: z.string().min(1).optional(),
  });
export type TrainSubmitOptions = z.infer<typeof trainSubmitOptionsSchema>;

/** How `run` runs. */
export const trainRunOptionsSchema = z.object({
  /** Keep running when the train is empty or waits for a human (a long-lived controller). */
  forever: z.boolean().default(false),
});
export type TrainRunOptions = z.infer<typeof trainRunOptionsSchema>;

/** Flags `deploy --train` refuses: the single-release deploy's, which a train does not use. */
export const SINGLE_RELEASE_ONLY = ["edgeConfig", "programRevision", "approveBefore"] as const;

/** Who decides about a train release, and why: the flags of `unhold` and of `abort` for a train. */
export interface TrainDecisionFlags {
  release: string;
  by: string;
  reason: string;
}

/**
 * The problems of a decision's flags, each naming its flag with a hint.
 * @param flags commander's raw flags
 * @param verb the command, for the hints
 */
export function trainDecisionProblems(
  flags: Record<string, unknown>,
  verb: "unhold" | "abort" | "resume",
): string[] {
  const problems: string[] = [];
  if (typeof flags.release !== "string" || flags.release.trim() === "")
    problems.push(
      `--release: required; hint: --release r43 (\`status --train\` lists the releases in flight)`,
    );
  if (typeof flags.reason !== "string" || flags.reason.trim() === "")
    problems.push(
      `--reason: required (it is recorded with who decided); hint: --reason "${verb === "unhold" ? "r43 carries the fix for r42" : verb === "resume" ? "unlocked prod.pro (stale lock of a killed update)" : "r43 contains r42's bug"}"`,
    );
  if (flags.by !== undefined && (typeof flags.by !== "string" || flags.by.trim() === ""))
    problems.push(
      "--by: empty; hint: --by alice (default: $COHORT_ROLLOUT_USER, else the login name)",
    );
  return problems;
}

/**
 * The decision the flags name (after `trainDecisionProblems` found none).
 * @param flags commander's raw flags
 * @param env the environment --by defaults from
 */
export function trainDecisionOf(
  flags: Record<string, unknown>,
  env: Record<string, string | undefined>,
): TrainDecisionFlags {
  const s = (k: string) => (typeof flags[k] === "string" ? flags[k] : "");
  return { release: s("release"), by: s("by") || defaultApprover(env), reason: s("reason") };
}

/**
 * The exact commands `status --train` shows for a held release.
 * @param o the common options (the ledger's location flags go into the commands)
 */
export function decisionCommands(o: CommonOptions) {
  return {
    unhold: (release: string) => cliCommand(o, "unhold", `--release ${release}`, '--reason "…"'),
    abort: (release: string) => cliCommand(o, "abort", `--release ${release}`, '--reason "…"'),
    resume: (release: string) => cliCommand(o, "resume", `--release ${release}`, '--reason "…"'),
  };
}
