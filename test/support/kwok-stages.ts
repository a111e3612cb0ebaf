/**
 * kwok's pod and node lifecycle for the test control plane: kwok's own stage files
 * (../shared/tools: fast node initialise, heartbeat, pod ready, complete, delete), except that
 * a pod whose first container's image tag ends in UNREADY_TAG_SUFFIX never becomes Ready: it
 * runs with its container in CrashLoopBackOff, as a kubelet reports a release that crashes on
 * start. Tests (and the demo) pick a broken release by its version alone, with no hook into
 * the cluster: `pulumi up` of it waits for a Deployment that never becomes available.
 */
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** An image tag ending in this (e.g. `2.0.0-unready`) makes kwok keep the pod unready. */
export const UNREADY_TAG_SUFFIX = "-unready";

/** kwok's selector key (a jq query) that reads `unready` for such a pod, `ready` otherwise. */
const READINESS_KEY = `.spec.containers.[0].image | if endswith("${UNREADY_TAG_SUFFIX}") then "unready" else "ready" end`;

/** Upstream's pod-ready stage, told to leave unready pods alone. */
function podReady(upstream: string): string {
  const marker = "  selector:\n    matchExpressions:\n";
  if (!upstream.includes(marker)) throw new Error("kwok's pod-ready stage has an unknown shape");
  return upstream.replace(
    marker,
    `${marker}    - key: '${READINESS_KEY}'\n      operator: 'In'\n      values:\n      - 'ready'\n`,
  );
}

/** A stage for unready pods: Running, not Ready, the container crash-looping. */
const POD_UNREADY = `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-unready
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.status.phase'
      operator: 'In'
      values:
      - 'Pending'
    - key: '${READINESS_KEY}'
      operator: 'In'
      values:
      - 'unready'
  next:
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: Initialized
      - lastTransitionTime: {{ $now | Quote }}
        status: "False"
        type: Ready
        reason: ContainersNotReady
      - lastTransitionTime: {{ $now | Quote }}
        status: "False"
        type: ContainersReady
        reason: ContainersNotReady
      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: false
        restartCount: 3
        state:
          waiting:
            reason: CrashLoopBackOff
            message: back-off restarting failed container
      {{ end }}
      phase: Running
      startTime: {{ $now | Quote }}
`;

/**
 * Writes the stage files into `dir` and returns them, for kwok's `--config` flags.
 * @param upstreamDir kwok's own stage files (KWOK_STAGES_DIR).
 * @param dir where to write them (the control plane's folder).
 */
export function writeKwokStages(upstreamDir: string, dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(upstreamDir).sort()) {
    if (!name.endsWith(".yaml") || name === "kustomization.yaml") continue;
    const text = readFileSync(join(upstreamDir, name), "utf8");
    const path = join(dir, `kwok-${name}`);
    writeFileSync(path, name === "pod-ready.yaml" ? podReady(text) : text);
    files.push(path);
  }
  if (!files.some((f) => f.endsWith("kwok-pod-ready.yaml"))) {
    throw new Error(`no pod-ready.yaml among kwok's stages in ${upstreamDir}`);
  }
  const unready = join(dir, "kwok-pod-unready.yaml");
  writeFileSync(unready, POD_UNREADY);
  return [...files, unready];
}
