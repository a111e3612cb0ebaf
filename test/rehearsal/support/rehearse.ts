/**
 * Shared by the rehearsal tests: the example environment as the rehearsal
 * sees it (the program run under Pulumi mocks, once per test file) and a
 * short way to rehearse it.
 */
import type { RehearsalEnvironment } from "../../../stacks/rollout/rehearsal/environment.js";
import { REHEARSAL_POLICY } from "../../../stacks/rollout/rehearsal/options.js";
import { loadRehearsalEnvironment } from "../../../stacks/rollout/rehearsal/program/component-alarms.js";
import { rehearse, type Rehearsal } from "../../../stacks/rollout/rehearsal/rehearse.js";
import { parseFault, type FaultInput } from "../../../stacks/rollout/rehearsal/sim/faults.js";
import {
  simulationProfileSchema,
  type SimulationProfileInput,
} from "../../../stacks/rollout/rehearsal/sim/profile.js";
import type { StrategyName } from "../../../stacks/rollout/rehearsal/strategies/types.js";

let prod: Promise<RehearsalEnvironment> | undefined;

/** stacks/environments/prod.yaml through the example program under Pulumi mocks (cached). */
export function prodEnvironment(): Promise<RehearsalEnvironment> {
  prod ??= loadRehearsalEnvironment("prod");
  return prod;
}

export interface RehearseCase {
  fault: FaultInput;
  profile?: SimulationProfileInput;
  strategies?: readonly StrategyName[];
  operatorResponseMinutes?: number;
}

export function rehearseCase(env: RehearsalEnvironment, c: RehearseCase): Promise<Rehearsal> {
  return rehearse(env, {
    fault: parseFault(c.fault),
    profile: simulationProfileSchema.parse(c.profile ?? {}),
    policy: REHEARSAL_POLICY,
    operatorResponseMs: (c.operatorResponseMinutes ?? 15) * 60_000,
    horizonMs: 0,
    ...(c.strategies ? { strategies: c.strategies } : {}),
  });
}
