/**
 * The Kubernetes objects the component emits for the benchmark's environment, for the dry-run
 * acceptance figure (run-kubernetes.ts): `tsx bench/component/kubernetes-objects.ts <cohorts>
 * <file>` builds the component under the test suite's recording mocks and writes the objects'
 * inputs to `<file>` as JSON, namespaces first (namespaced objects need them).
 */
import { writeFileSync } from "node:fs";
import { runKubernetes } from "../../test/kubernetes/support/run.js";
import { kubernetesBenchArgs } from "./kubernetes.js";

async function main(): Promise<void> {
  const cohorts = Number(process.argv[2]);
  const file = process.argv[3];
  if (!Number.isInteger(cohorts) || file === undefined) {
    throw new Error("usage: kubernetes-objects.ts <cohorts> <file>");
  }
  const { graph } = await runKubernetes(kubernetesBenchArgs(cohorts), "bench");
  const objects = graph.resources
    .filter((r) => r.custom && r.type.startsWith("kubernetes:"))
    .map((r) => r.inputs);
  const namespaces = objects.filter((o) => o.kind === "Namespace");
  writeFileSync(
    file,
    JSON.stringify([...namespaces, ...objects.filter((o) => o.kind !== "Namespace")]),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
