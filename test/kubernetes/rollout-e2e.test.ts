/**
 * The first end-to-end rollout with no stand-in for Pulumi: the Kubernetes example environment
 * (stacks/environments/examples/kubernetes.yaml: edge stack `kube`, cohort stacks `kube.free`
 * and `kube.pro`) deployed by the real `pulumi up` with the real Kubernetes provider to a local
 * kube-apiserver (kwok fakes the node, so pods become Ready), its cohorts' CloudWatch alarms in
 * moto, and `cohort-rollout deploy` run as a user runs it:
 *
 * - a good release rolls every cohort's Deployment to the new image, wave by wave, and each
 *   update returns with the new pods ready (the provider's readiness await);
 * - a release whose pods never become ready (kwok keeps `*-unready` images crash-looping) fails
 *   the first cohort's update; the rollout reverts that cohort by a real update and never
 *   reaches the next one;
 * - a release whose alarm fires during the first cohort's bake (set to ALARM in moto when the
 *   bake starts) is reverted the same way.
 *
 * One control plane, one moto account and one project for the file; the cases run in order
 * (each starts from the state the previous left: every cohort on 1.1.0).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCohortAlarms, setAlarmState } from "../support/cohort-alarms.js";
import {
  controlPlaneToolsFor,
  startControlPlane,
  type ControlPlane,
} from "../support/control-plane.js";
import { inCi, pulumiEngineFor } from "../support/engine.js";
import { KubernetesProject, type CommandRun } from "../support/kubernetes-rollout.js";
import { UNREADY_TAG_SUFFIX } from "../support/kwok-stages.js";
import { ensureMoto, sharedMoto, type MotoServer } from "../support/moto.js";
import type { ProgressUpdate } from "../../stacks/rollout/core/progress.js";
import type { RolloutEvent } from "../../stacks/rollout/core/events.js";

const SUITE = "kubernetes end-to-end rollout";
const tools = controlPlaneToolsFor(SUITE);
const engine = pulumiEngineFor(SUITE);
const moto = await ensureMoto();
if (!moto.available) {
  const message = `${SUITE}: moto is missing (${moto.reason ?? "?"})`;
  if (inCi()) throw new Error(`${message}; CI never skips this suite`);
  console.warn(`\n!!! SKIPPED: ${message}. Run scripts/ensure-moto.sh.\n`);
}
const ready = tools !== undefined && engine !== undefined && moto.available;

const IMAGE = "public.ecr.aws/nginx/nginx";
/** A real update waits for pods (and, when they never come, for the 30 s readiness timeout). */
const ROLLOUT_TIMEOUT = 600_000;

let plane: ControlPlane | undefined;
let aws: MotoServer | undefined;
let project: KubernetesProject | undefined;

beforeAll(async () => {
  if (!ready) return;
  [plane, aws] = await Promise.all([startControlPlane(tools, { workloads: true }), sharedMoto()]);
  project = new KubernetesProject(engine, { plane, awsEndpoint: aws.endpoint });
  await project.deployEnvironment({ release: "r1", version: "1.0.0", config: {} });
  for (const cohort of project.cohorts) {
    await createCohortAlarms(aws.endpoint, await project.cohortOutput(cohort));
  }
}, 900_000);

afterAll(async () => {
  plane?.stop();
  await aws?.stop();
  project?.remove();
});

/** The rollout's events, in order, from its NDJSON progress. */
function eventsOf(updates: ProgressUpdate[]): RolloutEvent[] {
  return updates.flatMap((u) => (u.kind === "event" ? [u.event] : []));
}

/** `type cohort` of every cohort event, in order: the rollout's story. */
function story(updates: ProgressUpdate[]): string[] {
  return eventsOf(updates)
    .filter((e) => "cohort" in e && e.type !== "observed")
    .map((e) => `${e.type} ${"cohort" in e ? e.cohort : ""}`);
}

function explain(run: CommandRun): string {
  return `exit ${String(run.code)}\n${run.stderr.slice(-4000)}`;
}

describe.skipIf(!ready)(SUITE, () => {
  const p = () => project as KubernetesProject;

  it(
    "rolls a good release through both cohorts, each update ending with its new pods ready",
    async () => {
      expect((await p().deployment("free")).image).toBe(`${IMAGE}:1.0.0`);
      const updates: ProgressUpdate[] = [];
      // Each cohort's Deployment as it stands when its bake starts (the update has returned).
      const atBake = new Map<string, Promise<{ image: string; current: boolean }>>();
      const run = await p().deploy("r2", "1.1.0", 0.001, (u) => {
        updates.push(u);
        if (u.kind === "event" && u.event.type === "applied" && !atBake.has(u.event.cohort)) {
          atBake.set(u.event.cohort, p().deployment(u.event.cohort));
        }
      });
      expect(run.code, explain(run)).toBe(0);
      expect(story(updates)).toEqual([
        "applying free",
        "applied free",
        "passed free",
        "applying pro",
        "applied pro",
        "passed pro",
      ]);
      for (const cohort of p().cohorts) {
        // Read the moment the rollout recorded the update: already rolled out and ready.
        expect(await atBake.get(cohort)).toEqual({ image: `${IMAGE}:1.1.0`, current: true });
        expect(await p().deployment(cohort)).toEqual({ image: `${IMAGE}:1.1.0`, current: true });
      }
    },
    ROLLOUT_TIMEOUT,
  );

  it(
    "fails a release whose pods never become ready in the first cohort, reverts it, never reaches the second",
    async () => {
      const proUpdates = await p().updateCount(p().stackOf("pro"));
      const freeUpdates = await p().updateCount(p().stackOf("free"));
      const updates: ProgressUpdate[] = [];
      const version = `2.0.0${UNREADY_TAG_SUFFIX}`;
      const run = await p().deploy("r3", version, 0.001, (u) => updates.push(u));
      expect(run.code, explain(run)).toBe(1);
      const failed = eventsOf(updates).find((e) => e.type === "failed");
      expect(failed).toMatchObject({ cohort: "free", cause: "update" });
      expect(story(updates)).toEqual([
        "applying free",
        "failed free",
        "reverting free",
        "reverted free",
      ]);
      // The failed update and the revert: two real updates of free's stack; none of pro's.
      expect(await p().updateCount(p().stackOf("free"))).toBe(freeUpdates + 2);
      expect(await p().updateCount(p().stackOf("pro"))).toBe(proUpdates);
      for (const cohort of p().cohorts) {
        expect(await p().deployment(cohort)).toEqual({ image: `${IMAGE}:1.1.0`, current: true });
      }
    },
    ROLLOUT_TIMEOUT,
  );

  it(
    "reverts a release whose first cohort's alarm fires during its bake, never reaching the second",
    async () => {
      const endpoint = (aws as MotoServer).endpoint;
      const free = await p().cohortOutput("free");
      const alarm = free.alarms.find((a) => a.kind === "metric")?.name ?? "";
      const proUpdates = await p().updateCount(p().stackOf("pro"));
      const updates: ProgressUpdate[] = [];
      let fired: Promise<void> | undefined;
      // Full-length bakes (10 min for free): only the alarm can end free's bake early, so the
      // revert is the alarm's doing, not a race with the bake's end.
      const run = await p().deploy("r4", "1.2.0", 1, (u) => {
        updates.push(u);
        if (u.kind === "bake" && u.cohort === "free" && fired === undefined) {
          fired = setAlarmState(endpoint, alarm, "ALARM");
        }
      });
      await fired;
      await setAlarmState(endpoint, alarm, "OK");
      expect(run.code, explain(run)).toBe(1);
      expect(eventsOf(updates).find((e) => e.type === "failed")).toMatchObject({
        cohort: "free",
        cause: "gate",
      });
      expect(story(updates)).toEqual([
        "applying free",
        "applied free",
        "failed free",
        "reverting free",
        "reverted free",
      ]);
      expect(await p().updateCount(p().stackOf("pro"))).toBe(proUpdates);
      for (const cohort of p().cohorts) {
        expect(await p().deployment(cohort)).toEqual({ image: `${IMAGE}:1.1.0`, current: true });
      }
    },
    ROLLOUT_TIMEOUT,
  );
});
