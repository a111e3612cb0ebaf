/**
 * Where a rehearsal's simulation profile comes from: `--profile <file>`, else
 * `profiles/<environment>.yaml` next to this module, else the defaults of
 * sim/profile.ts. The seed always comes from the command line.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { simulationProfileSchema, type SimulationProfile } from "./sim/profile.js";

export const PROFILES_DIR = fileURLToPath(new URL("./profiles/", import.meta.url));

export interface LoadedProfile {
  profile: SimulationProfile;
  /** Where it came from, shown in the report. */
  source: string;
}

export class ProfileError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(
      `simulation profile ${source} is invalid:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
    this.name = "ProfileError";
  }
}

export function loadProfile(environment: string, seed: number, file?: string): LoadedProfile {
  const path = file ?? `${PROFILES_DIR}${environment}.yaml`;
  let raw: unknown = {};
  let source = "built-in defaults (equal traffic shares)";
  if (file !== undefined || existsSync(path)) {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch {
      throw new ProfileError(path, ["cannot be read — check the path passed to --profile"]);
    }
    try {
      raw = parse(text) ?? {};
    } catch (err) {
      throw new ProfileError(path, [`is not YAML: ${(err as Error).message.split("\n")[0]}`]);
    }
    source = path;
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ProfileError(source, ["(root): expected a mapping of profile fields"]);
  }
  const parsed = simulationProfileSchema.safeParse({ ...raw, seed });
  if (!parsed.success) {
    throw new ProfileError(
      source,
      parsed.error.issues.map(
        (i) => `${i.path.join(".") || "(root)"}: ${i.message} (see sim/profile.ts for every field)`,
      ),
    );
  }
  return { profile: parsed.data, source };
}
