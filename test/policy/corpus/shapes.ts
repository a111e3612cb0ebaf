import type { PackConfig } from "../support/run-pack.js";

/** What every corpus program module exports. */
export interface ViolationCase {
  /** The rule expected to catch it, and the logical name of the resource it must name. */
  expected: { rule: string; resource: string };
  platform: "aws" | "kubernetes" | "cloudflare";
  program: () => void;
  /** The stack to record it as (default "dev"): `dev.free` is one cohort stack of `dev`. */
  stack?: string;
  /** Pack config the program needs to be caught (e.g. the list of cohorts). */
  config?: PackConfig;
  /** Set when the misconfiguration cannot be seen at preview time, with the reason. */
  previewBlind?: string;
}

export interface LegalCase {
  /** Why this program looks suspicious but is legal. */
  why: string;
  platform: "aws" | "kubernetes" | "cloudflare";
  program: () => void;
}
