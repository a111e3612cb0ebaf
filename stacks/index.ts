/**
 * The example program's entry point (Pulumi.yaml `main`). The same program
 * runs in every stack of an environment; the stack's config decides whether
 * it owns the edge, one cohort, or everything (single-stack mode).
 */
import { runProgram } from "./program.js";

const outputs = runProgram();

/** cohort name -> CohortOutput (components/contract.ts). */
export const cohorts = outputs.cohorts;
/** The environment's cohorts in rollout order (edge and single-stack mode). */
export const environment = outputs.environment;
/** The shared edge's ids, read by cohort stacks by stack reference (edge and single-stack mode). */
export const edge = outputs.edge;
