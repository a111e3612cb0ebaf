/**
 * Did the plan do its job in this rehearsal? A good release must reach every
 * cohort; a bad one must be stopped and reverted everywhere it went. This is
 * what `rehearse` exits on, so a plan change can be rehearsed in CI.
 */
import type { StrategyAnalysis } from "./analysis.js";
import type { Fault } from "./sim/faults.js";

export type VerdictKind = "delivered" | "contained" | "escaped" | "stuck";

export interface PlanVerdict {
  kind: VerdictKind;
  /** True for `delivered` and `contained`: the plan behaved as it must. */
  ok: boolean;
  summary: string;
}

export function planVerdict(
  plan: StrategyAnalysis,
  fault: Fault,
  cohorts: readonly string[],
): PlanVerdict {
  const all = cohorts.length;
  if (plan.outcome !== "completed" && plan.outcome !== "failed") {
    return {
      kind: "stuck",
      ok: false,
      summary: `the rollout stopped as ${plan.outcome} and needs a human: ${plan.reason}`,
    };
  }
  if (fault.kind === "none") {
    const missing = cohorts.filter((c) => !plan.endedOnCandidate.includes(c));
    return missing.length === 0 && plan.outcome === "completed"
      ? { kind: "delivered", ok: true, summary: `the good release reached all ${all} cohorts` }
      : {
          kind: "escaped",
          ok: false,
          summary: `the good release did not reach ${missing.join(", ") || "every cohort"} (${plan.outcome}: ${plan.reason})`,
        };
  }
  if (plan.endedOnCandidate.length > 0) {
    return {
      kind: "escaped",
      ok: false,
      summary: `the bad release is still running in ${plan.endedOnCandidate.join(", ")} at the end of the window (${plan.outcome}: ${plan.reason})`,
    };
  }
  return {
    kind: "contained",
    ok: true,
    summary: `the bad release reached ${plan.reached.length} of ${all} cohorts (${plan.reached.join(", ") || "none"}) and was reverted everywhere it went`,
  };
}
