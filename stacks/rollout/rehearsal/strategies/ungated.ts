/**
 * The three strategies the design contrasts with the plan: a fleet-wide
 * push, the same push after a fixed delay, and a push staged in the plan's
 * waves and bakes but with nobody reading the alarms between stages. Each
 * has the same operator (paged by alarms, reverting by hand).
 */
import type { World } from "../sim/world.js";
import { Operator } from "./operator.js";
import type { Decision, StrategyName, StrategyRun } from "./types.js";

export interface UngatedOptions {
  operatorResponseMs: number;
  /** How long the time-delayed push waits before pushing everywhere. */
  delayMs: number;
  /** Simulate until this epoch ms. */
  horizonEnd: number;
  /** The plan's waves (stacks and bake per wave), for the staged push. */
  waves: { targets: { cohort: string; stack: string; bakeMs: number }[] }[];
}

export async function runUngated(
  strategy: Exclude<StrategyName, "plan">,
  world: World,
  opts: UngatedOptions,
): Promise<StrategyRun> {
  const decisions: Decision[] = [];
  const operator = new Operator(world, opts.operatorResponseMs, decisions);
  const watching = operator.watch(opts.horizonEnd);
  const { clock, env } = world;
  const pushAll = (targets: { cohort: string; stack: string }[]): Promise<void[]> =>
    Promise.all(targets.map((t) => operator.push(t.stack, t.cohort)));

  if (strategy === "time-delayed") {
    decisions.push({
      at: clock.now(),
      kind: "wait",
      detail: `waiting ${Math.round(opts.delayMs / 60_000)} min, watching nothing`,
    });
    await clock.sleep(opts.delayMs);
  }
  if (strategy === "fleet-wide" || strategy === "time-delayed") {
    await pushAll(env.cohorts.map((c) => ({ cohort: c.name, stack: c.stack })));
  } else {
    for (const wave of opts.waves) {
      if (operator.halted) break;
      await pushAll(wave.targets);
      await clock.sleep(Math.max(...wave.targets.map((t) => t.bakeMs)));
    }
  }
  await watching;
  const reverted = operator.detectedAt !== undefined;
  return {
    strategy,
    world,
    outcome: reverted ? "reverted-by-operator" : "completed",
    reason: reverted
      ? `an operator was paged and reverted every cohort ${Math.round(opts.operatorResponseMs / 60_000)} min later`
      : "no alarm fired within the horizon",
    ...(operator.detectedAt !== undefined ? { detectedAt: operator.detectedAt } : {}),
    decisions,
  };
}
