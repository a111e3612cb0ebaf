/** The benchmarks' goals, in one place (README.md, "Benchmarks", states the same). */
import type { Goal } from "./report.js";

export const GOALS = {
  /** Construct 100 cohorts under mocks within 1.3x a flat program declaring the same resources. */
  componentVsFlatRatio: { op: "<=", value: 1.3 },
  /** Objects of 100 Kubernetes cohorts a real kube-apiserver rejects (strict server-side dry run). */
  k8sDryRunRejected: { op: "<=", value: 0 },
  /** Alarm enters ALARM -> revert update starts, as a ratio to the poll interval. */
  detectionToRevertOverPoll: { op: "<=", value: 1.1 },
  /** Orchestration beyond bakes and updates, as a share of a good rollout's wall time. */
  orchestrationOverheadPct: { op: "<", value: 1 },
  /** The driver's apply of a pin change over a bare `pulumi up` of one, real engine, in percent. */
  controllerOverheadVsBareUpPct: { op: "<", value: 5 },
  /** Bad-release exposure under a fleet-wide push / under the plan. */
  planVsFleetwideExposureReduction: { op: ">=", value: 10 },
  /** A train's makespan (R releases, K waves, bake B, fake clock) over the ideal pipelined one. */
  trainMakespanOverIdeal: { op: "<=", value: 1.05 },
  /** A train controller's step on a ledger of 1M events over one of 10k (same live state): flat. */
  trainStep1mOver10k: { op: "<=", value: 1.5 },
  /** A new train controller (snapshot plus tail) on a ledger of 1M events over one of 10k. */
  trainColdStart1mOver10k: { op: "<=", value: 1.5 },
} as const satisfies Record<string, Goal>;
