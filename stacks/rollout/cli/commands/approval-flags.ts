/**
 * The flags of `approve` and `reject`, checked before anything heavy loads:
 * the CLI registers these commands without importing the runner.
 */
import { userInfo } from "node:os";

export interface ApprovalRequest {
  release: string;
  /** 1-based, as `status` prints waves ("wave 3"). */
  wave: number;
  by: string;
  reason: string;
}

/** Who is approving: --by, else COHORT_ROLLOUT_USER, else the login name. */
export function defaultApprover(env: Record<string, string | undefined>): string {
  const named = env.COHORT_ROLLOUT_USER ?? env.USER;
  if (named !== undefined && named !== "") return named;
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}

/** The flags' own problems, reported with the common options' in one message. */
export function approvalFlagProblems(flags: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (typeof flags.release !== "string")
    problems.push("--release: required; hint: --release 2026-11-22.1 (see `status`)");
  const raw = typeof flags.wave === "string" ? flags.wave : undefined;
  const wave = Number(raw);
  if (raw === undefined || !Number.isInteger(wave) || wave < 1)
    problems.push(
      `--wave: ${raw === undefined ? "required" : `"${raw}" is not a wave number`}; hint: --wave 3 (as \`status\` prints it)`,
    );
  if (typeof flags.reason !== "string" || flags.reason.trim() === "")
    problems.push('--reason: required (it is recorded); hint: --reason "CHG-42 signed off"');
  return problems;
}
