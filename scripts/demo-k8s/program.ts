/**
 * The Kubernetes example environment's program (stacks/environments/examples/kubernetes.yaml),
 * one project, one stack per part as the rollout addresses them: `<env>` is the edge stack
 * (namespace and shared Gateway), `<env>.<cohort>` each cohort's stack. The cluster is the
 * Kubernetes provider's default: KUBECONFIG. `npm run demo:k8s` and
 * test/kubernetes/rollout-e2e.test.ts deploy it with the real Pulumi CLI.
 *
 * Config keys (namespace `cohort-service`, components/contract.ts CONFIG_KEYS): `environment`
 * (the example file's name), `part` (`edge` or `cohort`), `cohort`, `pin` (JSON), and
 * `environmentsDir` (where the file is; default stacks/environments/examples).
 */
import * as pulumi from "@pulumi/pulumi";
import type { CohortSegmentedServiceArgs } from "../../components/args.js";
import { CONFIG_KEYS, type Pin } from "../../components/contract.js";
import type { KubernetesArgs } from "../../components/kubernetes/args.js";
import { CohortSegmentedService } from "../../components/service.js";
import type { EnvironmentSpecInput, Part } from "../../components/spec.js";
import { loadEnvironmentFile } from "../../stacks/environment.js";
import { KUBERNETES_EXAMPLES_DIR } from "./example.js";

const config = new pulumi.Config("cohort-service");
const file = loadEnvironmentFile(
  config.require(CONFIG_KEYS.environment),
  config.get("environmentsDir") ?? KUBERNETES_EXAMPLES_DIR,
) as { environment: EnvironmentSpecInput; kubernetes: KubernetesArgs };
// Validated with every other argument: a wrong part is reported with them.
const part = config.get<Part>(CONFIG_KEYS.part) ?? "edge";
const cohort = config.get(CONFIG_KEYS.cohort);
const pin = config.getObject<Pin>(CONFIG_KEYS.pin);

const args: CohortSegmentedServiceArgs = {
  environment: file.environment,
  part,
  ...(cohort !== undefined ? { cohort } : {}),
  // Validation reports a cohort stack without its pin, with every other problem.
  pins: cohort !== undefined && pin !== undefined ? { [cohort]: pin } : {},
  kubernetes: file.kubernetes,
};
const service = new CohortSegmentedService("service", args);

/** cohort name -> CohortOutput (components/contract.ts): the rollout's gates and stacks. */
export const cohorts = service.cohorts;
/** The environment's cohorts in rollout order (edge stack). */
export const environment = service.environment;
/** The shared Gateway's names (edge stack). */
export const edge = service.edge;
