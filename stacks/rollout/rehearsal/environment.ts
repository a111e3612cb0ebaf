/**
 * What a rehearsal rehearses: an environment's cohorts (order, criticality,
 * bakes, stacks) and the alarms the component defines for them.
 */
import type { CohortOutput, EnvironmentCohort } from "../../../components/contract.js";
import type { AlarmSpec } from "./cloudwatch/alarm-spec.js";

export interface RehearsalEnvironment {
  name: string;
  edgeStack?: string;
  /** Cohorts in rollout order. */
  cohorts: EnvironmentCohort[];
  alarms: AlarmSpec[];
  /**
   * What each cohort stack exports (alarm names and shapes), when the program
   * was run; the plan reads these exactly as `deploy` reads stack outputs.
   */
  outputs?: Record<string, CohortOutput>;
  /** Where the alarms came from, shown in the report (e.g. "stacks/index.ts under Pulumi mocks"). */
  alarmSource: string;
}

/** The alarms that gate a cohort: every alarm carrying its cohort tag. */
export function cohortAlarmNames(env: RehearsalEnvironment, cohort: string): string[] {
  return env.alarms.filter((a) => a.cohort === cohort).map((a) => a.name);
}

/** The cohort's composite alarm, when it has one (the "health" line of the timeline). */
export function compositeAlarmName(env: RehearsalEnvironment, cohort: string): string | undefined {
  return env.alarms.find((a) => a.kind === "composite" && a.cohort === cohort)?.name;
}
