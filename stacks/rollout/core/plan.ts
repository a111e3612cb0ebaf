/**
 * The plan: an environment's cohorts -> waves (criticality ascending; equal
 * criticality is one wave), each cohort with its bake and its alarms. Pure:
 * the caller fetches the stack outputs and alarm readings (plan-inputs.ts).
 *
 * A plan is refused, with every reason listed, when a cohort has no alarms,
 * when a declared alarm does not exist, or when a bake is shorter than the
 * time its alarms need to notice a problem (period × evaluation periods +
 * publication lag): such a bake would pass a release nobody watched.
 */
import type { AlarmOutput, CohortOutput, EnvironmentOutput } from "../../../components/contract.js";
import type { PlannedTarget, PlannedWave } from "./events.js";
import type { AlarmReading } from "./ports.js";

export const EDGE_COHORT = "edge";

export interface PlanInputs {
  environment: EnvironmentOutput;
  /** Cohort outputs by cohort name, as each cohort stack exports them. */
  cohortOutputs: Record<string, CohortOutput | undefined>;
  /** Readings for every alarm named by the cohorts. */
  readings: AlarmReading[];
  /** The edge stack changes too (the release has edge config). */
  edgeChanged: boolean;
}

export interface PlanOptions {
  /** CloudWatch's metric publication lag added to each detection window, ms. */
  publicationLagMs: number;
  /** Multiplies bakes AFTER validation (tests/rehearsals only); 1 in production. */
  bakeScale: number;
}

export type PlanResult = { ok: true; waves: PlannedWave[] } | { ok: false; problems: string[] };

export const DEFAULT_PUBLICATION_LAG_MS = 60_000;

/** The detection window of one metric alarm, or undefined when its period is unknown. */
export function detectionWindowMs(
  alarm: Pick<AlarmReading, "periodSeconds" | "evaluationPeriods">,
  publicationLagMs: number,
): number | undefined {
  if (alarm.periodSeconds === undefined) return undefined;
  return alarm.periodSeconds * 1000 * (alarm.evaluationPeriods ?? 1) + publicationLagMs;
}

function alarmShape(
  name: string,
  reading: AlarmReading | undefined,
  declared: AlarmOutput[],
): Pick<AlarmReading, "periodSeconds" | "evaluationPeriods" | "kind"> {
  const fromOutput = declared.find((a) => a.name === name);
  return {
    kind: reading?.kind ?? fromOutput?.kind,
    periodSeconds: reading?.periodSeconds ?? fromOutput?.periodSeconds,
    evaluationPeriods: reading?.evaluationPeriods ?? fromOutput?.evaluationPeriods,
  };
}

export function buildPlan(inputs: PlanInputs, options: PlanOptions): PlanResult {
  const problems: string[] = [];
  const readings = new Map(inputs.readings.map((r) => [r.name, r]));
  const targets: PlannedTarget[] = [];
  const env = inputs.environment;
  if (!(options.bakeScale > 0)) problems.push(`bakeScale: must be > 0, got ${options.bakeScale}`);

  env.cohorts.forEach((cohort, i) => {
    const where = `environment.cohorts[${i}] (${cohort.name}, stack ${cohort.stack})`;
    const output = inputs.cohortOutputs[cohort.name];
    if (!output) {
      problems.push(
        `${where}: the stack exports no cohort "${cohort.name}" — deploy the cohort stack once before rolling out to it`,
      );
      return;
    }
    if (output.alarmNames.length === 0) {
      problems.push(`${where}: no alarms — a cohort without alarms cannot be gated`);
      return;
    }
    let longestWindow: number | undefined;
    for (const name of output.alarmNames) {
      const reading = readings.get(name);
      if (!reading || !reading.exists) {
        problems.push(
          `${where}: alarm "${name}" does not exist in CloudWatch — deploy the cohort stack or fix its alarm names`,
        );
        continue;
      }
      const window = detectionWindowMs(
        alarmShape(name, reading, output.alarms),
        options.publicationLagMs,
      );
      if (window !== undefined) longestWindow = Math.max(longestWindow ?? 0, window);
    }
    const bakeMs = cohort.bakeSeconds * 1000;
    if (longestWindow === undefined) {
      if (output.alarmNames.every((n) => readings.get(n)?.exists)) {
        problems.push(
          `${where}: no metric alarm with a known period — cannot size the bake against its detection window`,
        );
      }
    } else if (bakeMs < longestWindow) {
      problems.push(
        `${where}: bake ${cohort.bakeSeconds}s is shorter than its alarms' detection window ${longestWindow / 1000}s (period × evaluation periods + publication lag) — raise bakeSeconds to at least ${Math.ceil(longestWindow / 1000)}`,
      );
    }
    targets.push({
      cohort: cohort.name,
      stack: cohort.stack,
      criticality: cohort.criticality,
      bakeMs: Math.round(bakeMs * options.bakeScale),
      alarmNames: [...output.alarmNames],
      edge: false,
      ...(cohort.minIntervalSeconds > 0
        ? { minIntervalMs: Math.round(cohort.minIntervalSeconds * 1000 * options.bakeScale) }
        : {}),
      // Real deployment time, never scaled with the bakes: ECS takes as long as it takes.
      ...(cohort.deploymentTimeoutSeconds !== undefined
        ? { deploymentTimeoutMs: cohort.deploymentTimeoutSeconds * 1000 }
        : {}),
      ...(cohort.approval === "required"
        ? { approval: { approvers: cohort.approvers ?? [] } }
        : {}),
    });
  });

  const names = new Set<string>();
  for (const t of targets) {
    if (names.has(t.cohort)) problems.push(`environment.cohorts: duplicate cohort "${t.cohort}"`);
    names.add(t.cohort);
  }
  // The edge wave's target is keyed "edge" like a cohort: a cohort of that name would share
  // its state (one would never be applied, or the wrong one reverted).
  if (inputs.edgeChanged && names.has(EDGE_COHORT)) {
    problems.push(
      `environment.cohorts: a cohort "${EDGE_COHORT}" collides with the edge wave — rename the cohort`,
    );
  }
  if (inputs.edgeChanged && !env.edgeStack) {
    problems.push(
      "release.edgeConfig: the environment has no edge stack (single-stack mode) — drop edgeConfig",
    );
  }
  if (problems.length > 0) return { ok: false, problems };

  const levels = [...new Set(targets.map((t) => t.criticality))].sort((a, b) => a - b);
  const waves: PlannedWave[] = levels.map((level, index) => ({
    index,
    targets: targets
      .filter((t) => t.criticality === level)
      .sort((a, b) => a.cohort.localeCompare(b.cohort)),
  }));
  if (inputs.edgeChanged && env.edgeStack) {
    waves.push({
      index: waves.length,
      targets: [
        {
          cohort: EDGE_COHORT,
          stack: env.edgeStack,
          criticality: (levels[levels.length - 1] ?? 0) + 1,
          bakeMs: Math.max(...targets.map((t) => t.bakeMs)),
          alarmNames: targets.flatMap((t) => t.alarmNames),
          edge: true,
        },
      ],
    });
  }
  return { ok: true, waves };
}
