/**
 * The simulated DeploymentWatcher: answers from the simulated driver's record of each stack's
 * last deployment (when its new version serves, when the platform calls it complete), as the
 * ECS watcher answers from DescribeServices.
 */
import type { DeploymentRef } from "../../../../components/contract.js";
import type { DeploymentStatus, DeploymentWatcher } from "../../core/ports.js";
import type { SimulatedDriver } from "./simulated-driver.js";

export class SimulatedDeploymentWatcher implements DeploymentWatcher {
  constructor(private readonly driver: SimulatedDriver) {}

  check(ref: DeploymentRef): Promise<DeploymentStatus> {
    return Promise.resolve(this.driver.deploymentStatus(ref));
  }
}
