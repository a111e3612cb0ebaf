/** The test kit's plans: cohorts, a policy and the waves the plan builder would make of them. */
import type { PlannedWave, RolloutPolicy } from "../../stacks/rollout/core/events.js";

export interface CohortSpec {
  name: string;
  criticality: number;
  bakeMs: number;
}

export const THREE_COHORTS: CohortSpec[] = [
  { name: "free", criticality: 0, bakeMs: 300_000 },
  { name: "pro", criticality: 1, bakeMs: 600_000 },
  { name: "enterprise", criticality: 2, bakeMs: 1_800_000 },
];

export const DEFAULT_POLICY: RolloutPolicy = {
  insufficientData: "hold",
  pollIntervalMs: 30_000,
  allowDataLoss: false,
};

export function wavesOf(cohorts: CohortSpec[], edge = false): PlannedWave[] {
  const levels = [...new Set(cohorts.map((c) => c.criticality))].sort((a, b) => a - b);
  const waves: PlannedWave[] = levels.map((level, index) => ({
    index,
    targets: cohorts
      .filter((c) => c.criticality === level)
      .map((c) => ({
        cohort: c.name,
        stack: `prod.${c.name}`,
        criticality: c.criticality,
        bakeMs: c.bakeMs,
        alarmNames: [`${c.name}-errors`, `${c.name}-latency`],
        edge: false,
      })),
  }));
  if (edge) {
    waves.push({
      index: waves.length,
      targets: [
        {
          cohort: "edge",
          stack: "prod",
          criticality: levels.length,
          bakeMs: Math.max(...cohorts.map((c) => c.bakeMs)),
          alarmNames: cohorts.flatMap((c) => [`${c.name}-errors`, `${c.name}-latency`]),
          edge: true,
        },
      ],
    });
  }
  return waves;
}
