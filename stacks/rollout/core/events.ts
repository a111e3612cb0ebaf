/**
 * The ledger's event union. Every decision the rollout makes is one of these,
 * appended durably before the next step; the state is a fold over them
 * (state.ts). Events are validated with zod when read back, so a ledger
 * written by another version or edited by hand fails loudly, not subtly.
 *
 * Every event names its release, and cohort events name their cohort: the
 * state is keyed by (release, cohort) so several releases can be in flight.
 */
import { z } from "zod";
import { configValuesSchema, deploymentRefSchema } from "../../../components/contract.js";
import { trainEventSchemas } from "./train/events.js";

const stringMap = z.record(z.string(), z.string());

export const releaseSchema = z.object({
  id: z.string().min(1),
  version: z.string().min(1),
  config: configValuesSchema.default({}),
  edgeConfig: configValuesSchema.optional(),
  programRevision: z.string().min(1).optional(),
});

export const updateRecordSchema = z.object({
  version: z.number().int(),
  release: z.string().optional(),
  result: z.enum(["succeeded", "failed", "in-progress", "not-started"]),
  config: stringMap,
  programRevision: z.string().optional(),
  startTime: z.string().optional(),
  endTime: z.string().optional(),
});

export const insufficientDataPolicySchema = z.enum(["hold", "fail", "ignore"]);
export type InsufficientDataPolicy = z.infer<typeof insufficientDataPolicySchema>;

/** The knobs that shape decisions; recorded in `planned` so a replay decides the same way. */
export const rolloutPolicySchema = z.object({
  insufficientData: insufficientDataPolicySchema,
  pollIntervalMs: z.number().int().positive(),
  allowDataLoss: z.boolean(),
});
export type RolloutPolicy = z.infer<typeof rolloutPolicySchema>;

export const plannedTargetSchema = z.object({
  /** Cohort name, or "edge" for the edge wave. */
  cohort: z.string().min(1),
  stack: z.string().min(1),
  criticality: z.number().int().min(0),
  bakeMs: z.number().int().min(0),
  alarmNames: z.array(z.string().min(1)).min(1),
  edge: z.boolean().default(false),
  /** Asymmetric cadence: at least this long between two releases reaching this cohort. */
  minIntervalMs: z.number().int().min(0).optional(),
  /**
   * How long the cohort's deployment may take after its update returned before the release
   * fails there (the cohort's `deploymentTimeoutSeconds`). Absent: DEFAULT_DEPLOYMENT_TIMEOUT_MS.
   */
  deploymentTimeoutMs: z.number().int().positive().optional(),
  /** The environment requires a person's approval before this cohort's wave (approvals.ts). */
  approval: z.object({ approvers: z.array(z.string().min(1)) }).optional(),
});
export type PlannedTarget = z.infer<typeof plannedTargetSchema>;

export const plannedWaveSchema = z.object({
  index: z.number().int().min(0),
  targets: z.array(plannedTargetSchema).min(1),
});
export type PlannedWave = z.infer<typeof plannedWaveSchema>;

const alarmReadingSchema = z.object({
  name: z.string(),
  exists: z.boolean(),
  state: z.enum(["OK", "ALARM", "INSUFFICIENT_DATA"]).optional(),
  reason: z.string().optional(),
});
export type RecordedReading = z.infer<typeof alarmReadingSchema>;

/**
 * What a restart found on a stack whose update had been interrupted (after refreshing it):
 * the facts the machine's reconciliation (preflight.ts) rested on. Absent on other records.
 */
const reconciledFactsSchema = z.object({
  pinRelease: z.string().optional(),
  lastUpdate: updateRecordSchema.optional(),
});

const base = { release: z.string().min(1) };
const cohortBase = { ...base, cohort: z.string().min(1) };

export const rolloutEventSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("planned"),
    ...base,
    releaseSpec: releaseSchema,
    environment: z.string().min(1),
    waves: z.array(plannedWaveSchema).min(1),
    policy: rolloutPolicySchema,
    /** Cohorts this release waits for approval before (`deploy --approve-before`). */
    approveBefore: z.array(z.string().min(1)).optional(),
  }),
  /** Written before `up` starts, with the update a revert would return to. */
  z.object({
    type: z.literal("applying"),
    ...cohortBase,
    stack: z.string(),
    previous: updateRecordSchema.optional(),
    attempt: z.number().int().min(1).default(1),
    /** On a re-attempt after an interrupted update: what was found on the stack. */
    found: reconciledFactsSchema.optional(),
  }),
  z.object({
    type: z.literal("applied"),
    ...cohortBase,
    updateVersion: z.number().int().optional(),
    /** True when a restart found the update had finished before the crash. */
    recovered: z.boolean().default(false),
    /** With `recovered`: what was found on the stack that showed the update had finished. */
    found: reconciledFactsSchema.optional(),
    /**
     * Where the cohort's deployment is watched (its stack's `deployment` output), when the
     * update returns before the new version serves (ECS). Its bake starts at the
     * `deployment-observed` that says "serving", not here. Absent: the update's return is
     * serving (a platform whose update awaits readiness, the edge, ledgers of older versions).
     */
    deployment: deploymentRefSchema.optional(),
    /**
     * Set when the stack's outputs could not be read after the update to find what to watch:
     * whether the new version serves is unknown, so the release fails here (fails closed).
     */
    deploymentUnknown: z.string().optional(),
  }),
  /**
   * What the cohort's deployment looked like (recorded when it changes): still in progress,
   * serving the new version (the bake's clock starts at `observedAt`), failed (e.g. ECS's
   * circuit breaker, a deployment alarm), or rolled back by the platform itself (another
   * version is primary again). A failure fails the release at this cohort (machine.ts).
   */
  z.object({
    type: z.literal("deployment-observed"),
    ...cohortBase,
    state: z.enum(["in-progress", "serving", "failed", "rolled-back"]),
    reason: z.string(),
    /** When the check that saw this returned (epoch ms): never earlier than the state itself. */
    observedAt: z.number().int(),
  }),
  /** An alarm reading during precheck (before deploy) or bake. */
  z.object({
    type: z.literal("observed"),
    ...cohortBase,
    phase: z.enum(["precheck", "bake"]),
    final: z.boolean().default(false),
    readings: z.array(alarmReadingSchema),
    /** Set when reading the alarms failed after every retry (fails closed). */
    error: z.string().optional(),
    /**
     * When the read that produced `readings` started (epoch ms). The record's own time is
     * when it was appended, after the read returned: a slow read that started before the
     * bake ended must not count as a reading at its end. Absent in older ledgers.
     */
    takenAt: z.number().int().optional(),
  }),
  /** A cohort could not be deployed to (already in ALARM); the release holds for a human. */
  z.object({ type: z.literal("blocked"), ...cohortBase, reason: z.string() }),
  z.object({ type: z.literal("passed"), ...cohortBase }),
  /**
   * The release failed at this cohort (gate, update, or a preview that could not run: the
   * program fails on the release's config; `deployment`: the update returned but its
   * deployment failed, timed out, or was rolled back by the platform itself); reverts follow. `cancelled`: the
   * cohort's update was cancelled mid-way because the release was being stopped (an abort,
   * recorded while the update ran); it is the update's outcome, not a failure of the release,
   * which ends `aborted` (or `failed`, if it had also failed elsewhere).
   */
  z.object({
    type: z.literal("failed"),
    ...cohortBase,
    cause: z.enum(["gate", "update", "preview", "refused", "cancelled", "deployment"]),
    reason: z.string(),
  }),
  z.object({
    type: z.literal("reverting"),
    ...cohortBase,
    stack: z.string(),
    to: updateRecordSchema.optional(),
    manual: z.boolean().default(false),
  }),
  z.object({
    type: z.literal("reverted"),
    ...cohortBase,
    updateVersion: z.number().int().optional(),
    manual: z.boolean().default(false),
  }),
  z.object({
    type: z.literal("revert-failed"),
    ...cohortBase,
    reason: z.string(),
    recoverCommand: z.string(),
    manual: z.boolean().default(false),
  }),
  /**
   * The release reached a wave that needs a person's approval and waits for it (a recorded
   * condition: `status` shows it from here, with who may approve).
   */
  z.object({
    type: z.literal("approval-requested"),
    ...base,
    wave: z.number().int().min(0),
    cohorts: z.array(z.string()),
    approvers: z.array(z.string()),
  }),
  /**
   * A person approved the release into a wave. `planSeq` is the ledger record of the plan
   * approved: an approval counts only for that plan of that release.
   */
  z.object({
    type: z.literal("approved"),
    ...base,
    wave: z.number().int().min(0),
    planSeq: z.number().int().min(1),
    by: z.string().min(1),
    reason: z.string(),
  }),
  /** A person refused the release a wave: it ends, and every cohort it reached is reverted. */
  z.object({
    type: z.literal("rejected"),
    ...base,
    wave: z.number().int().min(0),
    planSeq: z.number().int().min(1),
    by: z.string().min(1),
    reason: z.string(),
  }),
  z.object({ type: z.literal("paused"), ...base, by: z.string() }),
  /**
   * A human continues the release: clears a pause or a block and retries failed reverts. For a
   * train release (a revert that failed, the stack since fixed), `reason` records why.
   */
  z.object({ type: z.literal("resumed"), ...base, by: z.string(), reason: z.string().optional() }),
  /** A human asked to stop the release: reverts follow, then `aborted`. `reason`: why, as they said. */
  z.object({
    type: z.literal("abort-requested"),
    ...base,
    by: z.string(),
    reason: z.string().optional(),
  }),
  z.object({ type: z.literal("aborted"), ...base }),
  /** Every wave passed. */
  z.object({ type: z.literal("completed"), ...base }),
  /** Every cohort that received a failed release is back on its last good update. */
  z.object({ type: z.literal("release-failed"), ...base, reason: z.string() }),
  /** Release trains (train/events.ts): submitted releases, entries, holds, settles. */
  ...trainEventSchemas,
]);

export type RolloutEvent = z.infer<typeof rolloutEventSchema>;
export type EventOf<T extends RolloutEvent["type"]> = Extract<RolloutEvent, { type: T }>;

/** Parses one stored event; throws a ZodError naming the bad path. */
export function parseEvent(value: unknown): RolloutEvent {
  return rolloutEventSchema.parse(value);
}
