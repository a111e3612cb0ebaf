/** Where the Kubernetes example environment lives, for its program, its demo and its tests. */
import { fileURLToPath } from "node:url";

/** stacks/environments/examples/: environment files with platform settings beside them. */
export const KUBERNETES_EXAMPLES_DIR = fileURLToPath(
  new URL("../../stacks/environments/examples/", import.meta.url),
);

/** The example's file name (without `.yaml`), which is also its environment's name. */
export const KUBERNETES_EXAMPLE = "kubernetes";
