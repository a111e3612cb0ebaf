/** Runs the component on Kubernetes under the GraphRecorder's mocks and returns its graph. */
import * as pulumi from "@pulumi/pulumi";
import type { CohortSegmentedServiceArgs } from "../../../components/args.js";
import type { CohortOutput } from "../../../components/contract.js";
import { CohortSegmentedService } from "../../../components/service.js";
import {
  GraphRecorder,
  outputValue,
  type ResourceGraph,
} from "../../component/support/graph-recorder.js";

export interface KubernetesRun {
  graph: ResourceGraph;
  cohorts: Record<string, CohortOutput>;
  edge: Record<string, string> | undefined;
}

export async function runKubernetes(
  args: CohortSegmentedServiceArgs,
  stack = "test",
): Promise<KubernetesRun> {
  const recorder = new GraphRecorder({ stack }).install();
  const service = new CohortSegmentedService("service", args);
  const cohorts = await outputValue(service.cohorts);
  const edge = service.edge === undefined ? undefined : await outputValue(pulumi.all(service.edge));
  return { graph: await recorder.settle(), cohorts, edge };
}
