/**
 * Loading the rehearsed program the way its own Pulumi program would load: its `@pulumi/pulumi`
 * (resolved from the program's folder, so the mocks are set on the very copy its component
 * registers resources with, even when the program installs its own), and its entry module
 * (TypeScript through the program's `tsx`, as its Pulumi.yaml `nodeargs: --import tsx` does).
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { PulumiProject } from "./project.js";

/** The program's `@pulumi/pulumi` module (our own dependency's types describe it). */
export type PulumiModule = typeof import("@pulumi/pulumi");

export interface ProgramRuntime {
  pulumi: PulumiModule;
  /**
   * Evaluates the program's entry module once more, for `stack` (mocks and config set by the
   * caller), and returns its exports: the stack's outputs.
   */
  evaluate(stack: string): Promise<Record<string, unknown>>;
}

/** Program evaluations in this process, so that every evaluation has a URL of its own. */
let evaluations = 0;

const TYPESCRIPT = /\.(ts|mts|cts|tsx)$/;

/**
 * Whether this process already loads TypeScript (the rollout run from its sources under tsx,
 * or `node --import tsx`): then the program's .ts entry needs nothing more.
 */
function loadsTypeScript(): boolean {
  return TYPESCRIPT.test(import.meta.url) || process.execArgv.some((a) => /\btsx\b/.test(a));
}

export async function loadProgramRuntime(project: PulumiProject): Promise<ProgramRuntime> {
  const require = createRequire(join(project.dir, "package.json"));
  const resolveFromProgram = (specifier: string, why: string): string => {
    try {
      return require.resolve(specifier);
    } catch {
      throw new Error(
        `program ${project.dir}: cannot resolve ${specifier} from it (${why}; run npm install in the program's folder)`,
      );
    }
  };
  const pulumiPath = resolveFromProgram("@pulumi/pulumi", "every Pulumi Node.js program has it");
  // A CommonJS package: its module.exports (the default export) is the module itself.
  const loaded = (await import(pathToFileURL(pulumiPath).href)) as { default?: PulumiModule };
  const pulumi = loaded.default ?? (loaded as unknown as PulumiModule);
  if (TYPESCRIPT.test(project.main) && !loadsTypeScript()) {
    const tsxApi = resolveFromProgram("tsx/esm/api", "its entry module is TypeScript");
    const { register } = (await import(pathToFileURL(tsxApi).href)) as {
      register: () => unknown;
    };
    register();
  }
  const entry = pathToFileURL(project.main).href;
  return {
    pulumi,
    // A new query per run makes the module loader evaluate the entry module again (its imports
    // are shared and evaluated once): one program run per stack and per rehearsal, in one
    // process. (A cached evaluation would hand back outputs of an earlier run's mocks.)
    evaluate: async (stack) => {
      evaluations++;
      const url = `${entry}?stack=${encodeURIComponent(stack)}&run=${evaluations}`;
      return { ...(await import(url)) } as Record<string, unknown>;
    },
  };
}
