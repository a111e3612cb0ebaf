/**
 * The CLI's exit codes (documented in README.md, "Exit codes"). Scripts and CI
 * branch on these, so they never change meaning.
 */
import type { Outcome } from "./machine.js";

export const EXIT = {
  /** Done: the release completed, or the command did what it was asked. */
  done: 0,
  /** The release failed and every cohort it reached was reverted (or it was aborted and reverted). */
  reverted: 1,
  /** Usage or configuration error; the plan was refused. Nothing was deployed. */
  usage: 2,
  /** Needs a human: paused, blocked (cohort already in ALARM, stack locked), awaiting approval, lease held, or a revert failed. */
  human: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export function exitCodeFor(outcome: Outcome | "interrupted"): ExitCode {
  switch (outcome) {
    case "completed":
      return EXIT.done;
    case "failed":
    case "aborted":
      return EXIT.reverted;
    case "paused":
    case "blocked":
    case "stuck":
    case "awaiting-approval":
    case "interrupted":
      return EXIT.human;
  }
}
