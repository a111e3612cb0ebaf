/**
 * The example environments' definitions as the tests see them (the YAML files
 * under stacks/environments), reduced to what the routing checks need.
 */
import { loadEnvironmentFile } from "../../../stacks/environment.js";
import type { RoutingCohort } from "./invariants.js";

export interface ExampleEnvironment {
  name: string;
  headerName: string;
  cohorts: RoutingCohort[];
}

export function exampleEnvironment(name: string): ExampleEnvironment {
  const env = loadEnvironmentFile(name) as {
    name: string;
    headerName?: string;
    cohorts: { name: string; ingress?: "shared" | "dedicated"; match: RoutingCohort["match"] }[];
  };
  return {
    name: env.name,
    headerName: env.headerName ?? "x-customer-cohort",
    cohorts: env.cohorts.map((c) => ({
      name: c.name,
      ingress: c.ingress ?? "shared",
      match: c.match,
    })),
  };
}
