/**
 * A simulated StackDriver: each cohort stack's update takes its platform's
 * duration on the virtual clock; the cohort's traffic moves to the new pin
 * its platform's serving delay after the update returned, and the platform
 * reports the deployment complete a completion delay later (ECS: new tasks
 * healthy, old ones drained). Update failures are injected from the profile.
 * Nothing outside the simulated fleet is touched.
 */
import type { DeploymentRef } from "../../../../components/contract.js";
import type {
  ApplyResult,
  Clock,
  DeploymentStatus,
  Pin,
  PreviewResult,
  ProgressSink,
  Release,
  StackDriver,
  UpdateRecord,
} from "../../core/ports.js";
import { pinConfig, pinOfConfig, pinOfRelease } from "../../core/stack-config-codec.js";
import type { SimulatedFleet } from "../sim/fleet.js";
import type { SimulationProfile, UpdateFailure } from "../sim/profile.js";
import { hashString, uniformAt } from "../sim/random.js";

export interface DriverEvent {
  at: number;
  cohort: string;
  kind:
    "apply-started" | "applied" | "apply-failed" | "revert-started" | "reverted" | "revert-failed";
  release: string;
  detail?: string;
}

interface StackState {
  cohort: string;
  history: UpdateRecord[];
  pin: Pin;
  applies: number;
  reverts: number;
  /** The last successful update's deployment: its task definition and when it serves/completes. */
  deployment?: { taskDefinition: string; servingAt: number; completedAt: number };
}

export interface SimulatedDriverOptions {
  /**
   * Whether ECS cohort stacks export their deployment (contract.ts `deployment`), as the
   * component does: the rollout then bakes from "serving". False rehearses the component
   * before it did, whose bakes started when the update returned.
   */
  exportsDeployment: boolean;
}

export class SimulatedDriver implements StackDriver {
  private readonly stacks = new Map<string, StackState>();
  readonly events: DriverEvent[] = [];

  constructor(
    private readonly fleet: SimulatedFleet,
    private readonly clock: Clock,
    /** stack name -> cohort name */
    stacks: Record<string, string>,
    initial: Pin,
    private readonly options: SimulatedDriverOptions = { exportsDeployment: true },
  ) {
    for (const [stack, cohort] of Object.entries(stacks)) {
      this.stacks.set(stack, {
        cohort,
        pin: initial,
        history: [
          {
            version: 1,
            result: "succeeded",
            config: pinConfig(initial),
          },
        ],
        applies: 0,
        reverts: 0,
      });
    }
  }

  private stack(name: string): StackState {
    const s = this.stacks.get(name);
    if (!s) throw new Error(`the rehearsal has no stack "${name}"`);
    return s;
  }

  private profile(): SimulationProfile {
    return this.fleet.profile;
  }

  /** How long this update takes: uniform in the platform's range, fixed per (seed, stack, attempt). */
  updateDurationMs(stack: string, cohort: string, nth: number, revert: boolean): number {
    const range = this.profile().updateDurations[this.fleet.traffic(cohort).platform];
    const u = uniformAt(this.profile().seed, hashString(stack), nth, revert ? 2 : 1, 31);
    return Math.round((range.minSeconds + u * (range.maxSeconds - range.minSeconds)) * 1000);
  }

  /** A delay in [min, max] seconds of the platform's range, fixed per (seed, stack, update). */
  private delayMs(
    ranges: SimulationProfile["servingDelays"],
    cohort: string,
    stack: string,
    version: number,
    salt: number,
  ): number {
    const range = ranges[this.fleet.traffic(cohort).platform];
    const u = uniformAt(this.profile().seed, hashString(stack), version, salt, 37);
    return Math.round((range.minSeconds + u * (range.maxSeconds - range.minSeconds)) * 1000);
  }

  private injected(stack: string, nth: number, revert: boolean): UpdateFailure | undefined {
    return this.profile().updateFailures.find(
      (f) =>
        (f.stack === stack || f.stack === "*") &&
        f.onRevert === revert &&
        (f.attempt === undefined || f.attempt === nth),
    );
  }

  outputs(stack: string): Promise<Record<string, unknown>> {
    const s = this.stack(stack);
    const watched =
      this.options.exportsDeployment &&
      this.fleet.traffic(s.cohort).platform === "ecs" &&
      s.deployment !== undefined;
    return Promise.resolve({
      cohorts: {
        [s.cohort]: {
          name: s.cohort,
          pin: s.pin,
          ...(watched ? { deployment: this.refOf(stack, s.deployment?.taskDefinition ?? "") } : {}),
        },
      },
    });
  }

  private refOf(stack: string, taskDefinition: string): DeploymentRef {
    return {
      platform: "ecs",
      cluster: `simulated/${stack}`,
      service: `simulated/${stack}/service`,
      taskDefinition,
    };
  }

  /** What ECS would answer about a stack's deployment now (the simulated DeploymentWatcher). */
  deploymentStatus(ref: DeploymentRef): DeploymentStatus {
    const stack = ref.cluster.replace(/^simulated\//, "");
    const d = this.stack(stack).deployment;
    const now = this.clock.now();
    if (!d || d.taskDefinition !== ref.taskDefinition)
      return {
        state: "rolled-back",
        reason: `the PRIMARY deployment runs ${d?.taskDefinition ?? "?"}, not ${ref.taskDefinition}`,
      };
    if (now < d.servingAt)
      return { state: "in-progress", reason: "rolloutState IN_PROGRESS, new tasks starting" };
    if (now < d.completedAt)
      return { state: "in-progress", reason: "rolloutState IN_PROGRESS, old tasks draining" };
    return { state: "serving", reason: "rolloutState COMPLETED, old tasks drained" };
  }

  readPin(stack: string): Promise<Pin | undefined> {
    return Promise.resolve(this.stack(stack).pin);
  }

  lastGoodUpdate(stack: string): Promise<UpdateRecord | undefined> {
    const good = this.stack(stack).history.filter((u) => u.result === "succeeded");
    return Promise.resolve(good[good.length - 1]);
  }

  preview(stack: string, _release: Release): Promise<PreviewResult> {
    const s = this.stack(stack);
    const urn = (type: string, name: string): string =>
      `urn:pulumi:${stack}::rehearsal::${type}::${s.cohort}-${name}`;
    return Promise.resolve({
      changes: [
        {
          urn: urn("aws:ecs/taskDefinition:TaskDefinition", "task"),
          type: "aws:ecs/taskDefinition:TaskDefinition",
          op: "replace",
        },
        {
          urn: urn("aws:ecs/service:Service", "service"),
          type: "aws:ecs/service:Service",
          op: "update",
        },
      ],
      summary: { replace: 1, update: 1 },
    });
  }

  private async update(
    stack: string,
    pin: Pin,
    revert: boolean,
    onProgress?: ProgressSink,
    signal?: AbortSignal,
  ): Promise<ApplyResult> {
    const s = this.stack(stack);
    const nth = revert ? ++s.reverts : ++s.applies;
    const started = revert ? "revert-started" : "apply-started";
    this.events.push({
      at: this.clock.now(),
      cohort: s.cohort,
      kind: started,
      release: pin.release,
    });
    const ms = this.updateDurationMs(stack, s.cohort, nth, revert);
    onProgress?.(`updating ${stack} to ${pin.release} (simulated, ${Math.round(ms / 1000)}s)`);
    await this.clock.sleep(ms, signal);
    const failure = this.injected(stack, nth, revert);
    const version = (s.history[s.history.length - 1]?.version ?? 0) + 1;
    // The simulated history records config as the real driver writes it (one codec).
    const config = pinConfig(pin);
    if (failure) {
      s.history.push({ version, result: "failed", config });
      const error = `injected update failure (attempt ${nth}${revert ? ", revert" : ""})`;
      this.events.push({
        at: this.clock.now(),
        cohort: s.cohort,
        kind: revert ? "revert-failed" : "apply-failed",
        release: pin.release,
        detail: error,
      });
      return { ok: false, error, updateVersion: version };
    }
    s.history.push({ version, result: "succeeded", config });
    s.pin = pin;
    // The update returned; the new version takes the cohort's traffic after the platform's
    // serving delay, and the platform calls the deployment complete after its completion delay.
    const servingAt =
      this.clock.now() + this.delayMs(this.profile().servingDelays, s.cohort, stack, version, 3);
    const completedAt =
      servingAt + this.delayMs(this.profile().completionDelays, s.cohort, stack, version, 4);
    s.deployment = { taskDefinition: `simulated/${stack}:${version}`, servingAt, completedAt };
    this.fleet.setRelease(s.cohort, pin.release, servingAt);
    this.events.push({
      at: this.clock.now(),
      cohort: s.cohort,
      kind: revert ? "reverted" : "applied",
      release: pin.release,
    });
    return { ok: true, updateVersion: version };
  }

  apply(
    stack: string,
    release: Release,
    onProgress?: ProgressSink,
    signal?: AbortSignal,
  ): Promise<ApplyResult> {
    let pin: Pin;
    try {
      pin = pinOfRelease(release);
    } catch (err) {
      return Promise.resolve({ ok: false, error: (err as Error).message });
    }
    return this.update(stack, pin, false, onProgress, signal);
  }

  revert(stack: string, to: UpdateRecord, onProgress?: ProgressSink): Promise<ApplyResult> {
    let pin: Pin | undefined;
    try {
      pin = pinOfConfig(to.config, `update ${String(to.version)} of ${stack}`);
    } catch (err) {
      return Promise.resolve({ ok: false, error: (err as Error).message });
    }
    if (pin === undefined) {
      return Promise.resolve({
        ok: false,
        error: `update ${String(to.version)} of ${stack} has no pin in its config`,
      });
    }
    return this.update(stack, pin, true, onProgress);
  }

  refresh(): Promise<ApplyResult> {
    return Promise.resolve({ ok: true });
  }
}
