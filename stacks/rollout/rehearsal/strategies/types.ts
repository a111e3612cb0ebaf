/** What every strategy's run reports, whichever way it pushed the release. */
import type { World } from "../sim/world.js";

export const STRATEGIES = ["plan", "fleet-wide", "time-delayed", "staged-ungated"] as const;
export type StrategyName = (typeof STRATEGIES)[number];

export const STRATEGY_LABELS: Record<StrategyName, string> = {
  plan: "cohort-ordered, health-gated (the plan)",
  "fleet-wide": "fleet-wide push",
  "time-delayed": "time-delayed fleet-wide push",
  "staged-ungated": "staged push without health gating",
};

/** A decision or action on the timeline (gate decisions, operator actions). */
export interface Decision {
  at: number;
  cohort?: string;
  kind: string;
  detail?: string;
}

export interface StrategyRun {
  strategy: StrategyName;
  world: World;
  /** completed | failed | stuck | … for the plan; completed | reverted-by-operator for the others. */
  outcome: string;
  reason: string;
  /** When the strategy (or its operator) first decided the release was bad. */
  detectedAt?: number;
  decisions: Decision[];
}
