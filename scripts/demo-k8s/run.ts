/**
 * `npm run demo:k8s`: the Kubernetes example environment (stacks/environments/examples/
 * kubernetes.yaml) deployed and rolled out on real engines, on this machine, in about five
 * minutes:
 *
 * 1. a local control plane (kube-apiserver, controller manager, scheduler, kwok faking one
 *    node: pods become Ready, nothing runs) and a local AWS emulator (moto) for CloudWatch;
 * 2. the real `pulumi up` of the edge stack `kube` and the cohort stacks `kube.free` and
 *    `kube.pro` (release r1, image tag 1.0.0) with the real Kubernetes provider; the cohorts'
 *    alarms created in moto under the names the stacks export (`alarms: external`);
 * 3. `cohort-rollout deploy` of three releases, as a user runs it:
 *    - r2 (1.1.0) is good: free, then pro, each update ending when its new pods are ready;
 *    - r3 (2.0.0-unready) never becomes ready (kwok keeps `*-unready` images crash-looping):
 *      free's update fails after the example's 30 s readiness timeout, the rollout reverts free
 *      and never touches pro;
 *    - r4 (1.2.0) trips free's alarm during its bake (the demo sets it to ALARM in moto): free
 *      is reverted, pro never touched.
 *
 * Needs what the tests need: scripts/ensure-pulumi.sh, scripts/ensure-k8s.sh and
 * scripts/ensure-moto.sh (each says what is missing). Exits 1 if any release ends otherwise
 * than described. Everything it starts is stopped, and its folders removed, at the end.
 */
import { createCohortAlarms, setAlarmState } from "../../test/support/cohort-alarms.js";
import { probeControlPlane, startControlPlane } from "../../test/support/control-plane.js";
import { probePulumiEngine } from "../../test/support/engine.js";
import { KubernetesProject } from "../../test/support/kubernetes-rollout.js";
import { UNREADY_TAG_SUFFIX } from "../../test/support/kwok-stages.js";
import { startMoto } from "../../test/support/moto.js";
import { quietSdkNodeVersionNotice } from "../../stacks/rollout/adapters/aws-client-config.js";
import { renderLine, type ProgressUpdate } from "../../stacks/rollout/core/progress.js";

const say = (line: string) => console.log(`\n== ${line}`);

const SHOWN = new Set<string>(["event", "wave", "bake", "preview", "log"]);

/** Prints the rollout's progress as the CLI does, minus the engine's routine warnings. */
function show(update: ProgressUpdate): void {
  // The final `result` line is the exit code's summary, which the demo prints itself.
  if (!SHOWN.has(update.kind)) return;
  if (update.kind === "log" && update.line.startsWith("warning:")) return;
  if (update.kind === "bake" && update.msLeft > 0 && update.msLeft % 5000 > 250) return;
  console.log(renderLine(update));
}

async function images(project: KubernetesProject): Promise<string> {
  const parts = await Promise.all(
    project.cohorts.map(async (c) => {
      const d = await project.deployment(c);
      return `${c}=${d.image.split(":").at(-1) ?? "?"}${d.current ? "" : " (rolling)"}`;
    }),
  );
  return parts.join(" ");
}

async function main(): Promise<number> {
  // Not about this demo (the SDK's notice that its 2027 releases need Node 22).
  quietSdkNodeVersionNotice();
  const engine = probePulumiEngine();
  const plane = probeControlPlane();
  if (!engine.available) throw new Error(`no Pulumi CLI: ${engine.reason}`);
  if (plane.tools === undefined) throw new Error(`no control plane: ${plane.reason ?? "?"}`);
  say("starting a local control plane (kwok node) and moto");
  const [cluster, moto] = await Promise.all([
    startControlPlane(plane.tools, { workloads: true }),
    startMoto(),
  ]);
  const project = new KubernetesProject(engine.engine, {
    plane: cluster,
    awsEndpoint: moto.endpoint,
  });
  let failures = 0;
  const expect = (what: string, code: number | null, wanted: number) => {
    const ok = code === wanted;
    if (!ok) failures++;
    say(`${what}: exit ${String(code)} (${ok ? "as expected" : `EXPECTED ${wanted}`})`);
  };
  try {
    say(`pulumi up: stacks kube, kube.free, kube.pro on 1.0.0 (project in ${project.dir})`);
    await project.deployEnvironment({ release: "r1", version: "1.0.0", config: {} });
    for (const cohort of project.cohorts) {
      await createCohortAlarms(moto.endpoint, await project.cohortOutput(cohort));
    }
    console.log(`images: ${await images(project)}`);

    say("cohort-rollout deploy r2 1.1.0 (a good release; bakes shortened 100x)");
    const good = await project.deploy("r2", "1.1.0", 0.01, show);
    expect("r2", good.code, 0);
    console.log(`images: ${await images(project)}`);

    const unready = `2.0.0${UNREADY_TAG_SUFFIX}`;
    say(`cohort-rollout deploy r3 ${unready} (its pods never become ready)`);
    const stuck = await project.deploy("r3", unready, 0.01, show);
    expect("r3", stuck.code, 1);
    console.log(`images: ${await images(project)}`);

    say("cohort-rollout deploy r4 1.2.0 (free's alarm fires during its bake)");
    const alarm = `cohort-${project.environment}-free-running-pods`;
    let fired: Promise<void> | undefined;
    const tripped = await project.deploy("r4", "1.2.0", 1, (u) => {
      show(u);
      if (u.kind === "bake" && u.cohort === "free" && fired === undefined) {
        console.log(`  (demo: setting ${alarm} to ALARM in moto)`);
        fired = setAlarmState(moto.endpoint, alarm, "ALARM");
      }
    });
    await fired;
    expect("r4", tripped.code, 1);
    console.log(`images: ${await images(project)}`);
  } finally {
    cluster.stop();
    await moto.stop();
    project.remove();
  }
  say(
    failures === 0
      ? "demo finished: every release ended as described"
      : `${failures} release(s) did not`,
  );
  return failures === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
