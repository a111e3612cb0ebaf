/**
 * One simulated world for one strategy: fleet, CloudWatch, virtual clock,
 * driver and gate, all from the same seed, so every strategy faces exactly
 * the same traffic and the same fault.
 */
import type { Pin, Release } from "../../core/ports.js";
import { SimulatedDeploymentWatcher } from "../adapters/simulated-deployments.js";
import { SimulatedDriver } from "../adapters/simulated-driver.js";
import { SimulatedGate } from "../adapters/simulated-gate.js";
import { VirtualClock } from "../adapters/virtual-clock.js";
import { SimulatedCloudWatch } from "../cloudwatch/simulated-cloudwatch.js";
import type { RehearsalEnvironment } from "../environment.js";
import type { Fault } from "./faults.js";
import { SimulatedFleet } from "./fleet.js";
import type { SimulationProfile } from "./profile.js";

/** Alarms need a full window of history before the rollout starts, as they would in production. */
export const WARM_UP_MS = 20 * 60_000;

export const BASELINE: Pin = { release: "baseline", version: "1.0.0", config: {} };
export const CANDIDATE: Release = { id: "candidate", version: "1.1.0", config: {} };

export interface World {
  env: RehearsalEnvironment;
  profile: SimulationProfile;
  fault: Fault;
  fleet: SimulatedFleet;
  clock: VirtualClock;
  cloudwatch: SimulatedCloudWatch;
  driver: SimulatedDriver;
  gate: SimulatedGate;
  deployments: SimulatedDeploymentWatcher;
  rolloutStart: number;
}

/**
 * When a cohort's bake starts: `serving` (the rollout watches the deployment, as it does with
 * the component's `deployment` output) or `update` (the update's return, as before the
 * component exported it: rehearses what a bake that starts too early lets through).
 */
export type BakeFrom = "serving" | "update";

/**
 * @param env the environment rehearsed
 * @param profile the simulated traffic
 * @param fault the bad release's fault
 * @param bakeFrom when bakes start
 * @param faults faults by release id (default: `fault` on the one candidate); a train
 *   rehearsal names its own releases, one of which carries `fault`
 */
export function createWorld(
  env: RehearsalEnvironment,
  profile: SimulationProfile,
  fault: Fault,
  bakeFrom: BakeFrom = "serving",
  faults: ReadonlyMap<string, Fault> = new Map([[CANDIDATE.id, fault]]),
): World {
  const cohorts = env.cohorts.map((c) => c.name);
  const fleet = new SimulatedFleet(profile, cohorts, faults, BASELINE.release);
  const cloudwatch = new SimulatedCloudWatch(fleet, env.alarms);
  const rolloutStart = profile.startEpochMs + WARM_UP_MS;
  const clock = new VirtualClock(rolloutStart);
  const stacks = Object.fromEntries(env.cohorts.map((c) => [c.stack, c.name]));
  const driver = new SimulatedDriver(fleet, clock, stacks, BASELINE, {
    exportsDeployment: bakeFrom === "serving",
  });
  const gate = new SimulatedGate(cloudwatch, clock);
  const deployments = new SimulatedDeploymentWatcher(driver);
  return {
    env,
    profile,
    fault,
    fleet,
    clock,
    cloudwatch,
    driver,
    gate,
    deployments,
    rolloutStart,
  };
}
