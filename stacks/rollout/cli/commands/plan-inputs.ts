/**
 * Gathers what the plan needs from the world: the environment as the edge
 * stack exports it, each cohort's outputs from its own stack, and the
 * current readings of every declared alarm. Then builds the plan (plan.ts).
 * Every problem is collected, so a refusal names them all.
 */
import {
  type CohortOutput,
  OUTPUT_KEYS,
  cohortOutputSchema,
  environmentOutputSchema,
} from "../../../../components/contract.js";
import { type PlanResult, buildPlan } from "../../core/plan.js";
import type { HealthGate, StackDriver } from "../../core/ports.js";

export interface PlanRequest {
  environment: string;
  /** The stack exporting `environment` (default: the environment's name). */
  edgeStack: string;
  edgeChanged: boolean;
  publicationLagMs: number;
  bakeScale: number;
}

function issues(prefix: string, error: { issues: { path: PropertyKey[]; message: string }[] }) {
  return error.issues.map((i) => `${prefix}.${i.path.map(String).join(".")}: ${i.message}`);
}

export async function planEnvironment(
  driver: StackDriver,
  gate: HealthGate,
  req: PlanRequest,
): Promise<PlanResult> {
  const outputsOf = new Map<string, Promise<Record<string, unknown>>>();
  const outputs = (stack: string) => {
    let p = outputsOf.get(stack);
    if (!p) {
      p = driver.outputs(stack);
      outputsOf.set(stack, p);
    }
    return p;
  };
  const edge = await outputs(req.edgeStack);
  const rawEnv = edge[OUTPUT_KEYS.environment];
  if (rawEnv === undefined) {
    return {
      ok: false,
      problems: [
        `stack ${req.edgeStack}: exports no "${OUTPUT_KEYS.environment}" output — deploy the edge stack once, or name it with --edge-stack`,
      ],
    };
  }
  const env = environmentOutputSchema.safeParse(rawEnv);
  if (!env.success)
    return { ok: false, problems: issues(`stack ${req.edgeStack} environment`, env.error) };
  const problems: string[] = [];
  if (env.data.name !== req.environment) {
    problems.push(
      `stack ${req.edgeStack}: belongs to environment "${env.data.name}", not "${req.environment}" — check --environment/--edge-stack`,
    );
  }
  const cohortOutputs: Record<string, CohortOutput | undefined> = {};
  for (const c of env.data.cohorts) {
    const all = (await outputs(c.stack))[OUTPUT_KEYS.cohorts] as
      Record<string, unknown> | undefined;
    const raw = all?.[c.name];
    if (raw === undefined) continue; // buildPlan names the missing cohort output
    const parsed = cohortOutputSchema.safeParse(raw);
    if (parsed.success) cohortOutputs[c.name] = parsed.data;
    else problems.push(...issues(`stack ${c.stack} cohorts.${c.name}`, parsed.error));
  }
  const names = [...new Set(Object.values(cohortOutputs).flatMap((o) => o?.alarmNames ?? []))];
  const readings = names.length > 0 ? await gate.read(names) : [];
  const plan = buildPlan(
    { environment: env.data, cohortOutputs, readings, edgeChanged: req.edgeChanged },
    { publicationLagMs: req.publicationLagMs, bakeScale: req.bakeScale },
  );
  if (problems.length === 0) return plan;
  return { ok: false, problems: [...problems, ...(plan.ok ? [] : plan.problems)] };
}
