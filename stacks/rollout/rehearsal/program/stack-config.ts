/**
 * The rehearsed program's per-stack config files (`<stackConfigDir>/Pulumi.<stack>.yaml`),
 * read the way the Pulumi CLI hands them to a program: `project:key` -> string,
 * objects and lists as JSON.
 */
import { readdirSync, readFileSync } from "node:fs";
import { parseYamlFile } from "../../../yaml-file.js";
import { CONFIG_KEYS } from "../../../../components/contract.js";
import type { PulumiProject } from "./project.js";

export type StackConfig = Record<string, string>;

export function loadStackConfig(stack: string, dir: string): StackConfig {
  const path = `${dir}Pulumi.${stack}.yaml`;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new Error(
      `stack ${stack}: no config file at ${path} (create it with the stack's config)`,
    );
  }
  const file = parseYamlFile(path, text) as { config?: Record<string, unknown> } | null;
  const out: StackConfig = {};
  for (const [key, value] of Object.entries(file?.config ?? {})) {
    out[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return out;
}

/** A config value of the program's own namespace (the project's name, Pulumi's default). */
export function projectValue(
  project: Pick<PulumiProject, "name">,
  config: StackConfig,
  key: string,
): string | undefined {
  return config[`${project.name}:${key}`];
}

/**
 * The stack that defines an environment's cohorts: its edge stack, or its
 * single stack (part `all`). Found by reading every stack config, not by a
 * naming convention, so a renamed stack still works.
 */
export function environmentRootStack(
  environment: string,
  project: Pick<PulumiProject, "name" | "stackConfigDir">,
): { stack: string; config: StackConfig } {
  const dir = project.stackConfigDir;
  const candidates: { stack: string; config: StackConfig }[] = [];
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    throw new Error(`no stack config directory at ${dir}`);
  }
  for (const file of files.sort()) {
    const m = /^Pulumi\.(.+)\.yaml$/.exec(file);
    if (!m?.[1]) continue;
    const config = loadStackConfig(m[1], dir);
    const part = projectValue(project, config, CONFIG_KEYS.part) ?? "all";
    if (
      projectValue(project, config, CONFIG_KEYS.environment) === environment &&
      part !== "cohort"
    ) {
      candidates.push({ stack: m[1], config });
    }
  }
  const [first, ...rest] = candidates;
  if (!first) {
    throw new Error(
      `environment "${environment}": no stack in ${dir} has ${project.name}:environment: ${environment} with part edge or all — pass an existing environment, or --program the project that defines it`,
    );
  }
  if (rest.length > 0) {
    throw new Error(
      `environment "${environment}": several stacks own its edge (${candidates.map((c) => c.stack).join(", ")}); keep exactly one`,
    );
  }
  return first;
}
