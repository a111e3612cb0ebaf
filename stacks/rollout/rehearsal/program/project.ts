/**
 * The Pulumi project a rehearsal rehearses, read from its `Pulumi.yaml` the way the Pulumi CLI
 * reads it: the project's name (the default config namespace and the stack-reference project),
 * its entry module (`main`, a file or a folder) and where its stack config files live
 * (`stackConfigDir`). The rehearsal takes the program as an input, so it runs the user's own
 * program, not a copy bundled with the rollout.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { parseYamlFile } from "../../../yaml-file.js";

export interface PulumiProject {
  /** The project folder (where Pulumi.yaml is). */
  dir: string;
  /** `name:` in Pulumi.yaml. */
  name: string;
  /** The absolute path of the module the Node.js language host would run. */
  main: string;
  /** The absolute folder of the `Pulumi.<stack>.yaml` files, with a trailing slash. */
  stackConfigDir: string;
}

const pulumiYamlSchema = z
  .object({
    name: z.string().min(1, { error: "name: the project's name" }),
    main: z.string().min(1).optional(),
    stackConfigDir: z.string().min(1).optional(),
    runtime: z.union([z.string(), z.object({ name: z.string() }).loose()]),
  })
  .loose();

const ENTRY_CANDIDATES = ["index.ts", "index.mts", "index.js", "index.mjs"];

/**
 * The entry module of a folder, as the Node.js language host finds it: package.json `main`,
 * else an index file.
 */
function entryOfFolder(folder: string): string | undefined {
  const pkgPath = join(folder, "package.json");
  if (existsSync(pkgPath)) {
    const pkg = JSON.parse(readFileSync(pkgPath, "utf8")) as { main?: unknown };
    if (typeof pkg.main === "string" && existsSync(join(folder, pkg.main))) {
      return resolve(folder, pkg.main);
    }
  }
  const found = ENTRY_CANDIDATES.map((f) => join(folder, f)).find((f) => existsSync(f));
  return found;
}

/** Reads `<dir>/Pulumi.yaml`; every problem is one error naming the file and the fix. */
export function loadPulumiProject(dir: string): PulumiProject {
  const folder = resolve(dir);
  const file = join(folder, "Pulumi.yaml");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new Error(
      `--program ${dir}: no Pulumi.yaml in ${folder} (pass the folder of the Pulumi project to rehearse)`,
    );
  }
  const parsed = pulumiYamlSchema.safeParse(parseYamlFile(file, text));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  - ${i.path.join(".")}: ${i.message}`);
    throw new Error(`${file} is not a Pulumi project file:\n${problems.join("\n")}`);
  }
  const runtime =
    typeof parsed.data.runtime === "string" ? parsed.data.runtime : parsed.data.runtime.name;
  if (runtime !== "nodejs") {
    throw new Error(
      `${file}: runtime ${runtime}; the rehearsal runs Node.js programs (runtime: nodejs) under Pulumi's mocks`,
    );
  }
  const mainPath = resolve(folder, parsed.data.main ?? ".");
  const main =
    existsSync(mainPath) && statSync(mainPath).isDirectory() ? entryOfFolder(mainPath) : mainPath;
  if (main === undefined || !existsSync(main)) {
    throw new Error(
      `${file}: main ${parsed.data.main ?? "(the project folder)"} has no entry module (set main: to the program's file)`,
    );
  }
  return {
    dir: folder,
    name: parsed.data.name,
    main,
    stackConfigDir: join(resolve(folder, parsed.data.stackConfigDir ?? "."), "/"),
  };
}
