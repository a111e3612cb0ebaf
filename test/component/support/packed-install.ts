/**
 * The project's packages as a user gets them: `npm pack` of the root package
 * and its workspaces (each builds first through its `prepack` script), then
 * `npm install` of the tarballs, and of nothing else from this checkout, into
 * a consumer project outside the repository, so no module can be found by
 * walking up into this checkout's node_modules.
 *
 * The install resolves the packages' dependencies from the local npm cache
 * first (`--prefer-offline`); the registry is asked only for what the cache
 * lacks.
 */
import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** The published packages, by the folder they are built from. */
export const PACKAGES = {
  component: { name: "cohort-segmented-service", dir: "." },
  rollout: { name: "cohort-rollout", dir: "stacks/rollout" },
  pack: { name: "shared-nothing-policy-pack", dir: "policies/shared-nothing" },
} as const;

export type PartName = keyof typeof PACKAGES;

export interface PackedTarball {
  name: string;
  /** Absolute path of the .tgz. */
  path: string;
  /** Paths inside the tarball, without the leading `package/`. */
  files: string[];
}

/** Runs a command; rejects with its stderr and stdout when it exits non-zero. */
export async function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<string> {
  try {
    const { stdout } = await execFileAsync(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
      timeout: options.timeoutMs ?? 600_000,
    });
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${command} ${args.join(" ")} failed: ${e.message}\n${e.stderr ?? ""}\n${e.stdout ?? ""}`,
    );
  }
}

/**
 * `npm pack` of the root package and every workspace into `destination`:
 * prepack builds each one first. Returns the tarballs by part.
 */
export async function packAll(
  root: string,
  destination: string,
): Promise<Record<PartName, PackedTarball>> {
  const out = await run(
    "npm",
    [
      "pack",
      "--workspaces",
      "--include-workspace-root",
      "--json",
      "--pack-destination",
      destination,
    ],
    { cwd: root },
  );
  // npm prints the lifecycle scripts' output before the JSON array.
  const packed = JSON.parse(out.slice(out.indexOf("\n[") + 1)) as {
    name: string;
    filename: string;
    files: { path: string }[];
  }[];
  const byName = new Map(packed.map((p) => [p.name, p]));
  const tarball = (part: PartName): PackedTarball => {
    const p = byName.get(PACKAGES[part].name);
    if (p === undefined) throw new Error(`npm pack made no ${PACKAGES[part].name} tarball: ${out}`);
    return { name: p.name, path: join(destination, p.filename), files: p.files.map((f) => f.path) };
  };
  return { component: tarball("component"), rollout: tarball("rollout"), pack: tarball("pack") };
}

/** A consumer project at `dir` (an ES module package) with `tarballs` installed by npm. */
export async function installConsumer(dir: string, tarballs: string[]): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "consumer", version: "1.0.0", private: true, type: "module" }),
  );
  await run(
    "npm",
    ["install", ...tarballs, "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"],
    { cwd: dir },
  );
}
