/**
 * Loads an environment definition: `stacks/environments/<name>.yaml`, written
 * once and read by every stack of that environment (the edge stack and each
 * cohort stack), so they can never disagree about cohorts, matches or bakes.
 * The file is parsed here and validated by the component (spec.ts).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseYamlFile } from "./yaml-file.js";

export const ENVIRONMENTS_DIR = fileURLToPath(new URL("./environments/", import.meta.url));

/** Reads `<dir>/<name>.yaml`; throws with the path and a hint when it is missing or not YAML. */
export function loadEnvironmentFile(name: string, dir: string = ENVIRONMENTS_DIR): unknown {
  // `examples/<name>`: the example environments (stacks/environments/examples/).
  if (!/^(examples\/)?[a-z][a-z0-9-]{0,19}$/.test(name)) {
    throw new Error(
      `config environment: "${name}" is not an environment name (lowercase letters, digits, '-')`,
    );
  }
  const path = `${dir}${name}.yaml`;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new Error(
      `config environment: no definition at ${path} (create it, or set cohort-service:environment to an existing one)`,
    );
  }
  return parseYamlFile(path, text);
}
