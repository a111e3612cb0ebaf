/**
 * A PulumiCommandLike that tags every CLI call with the stack it drives
 * (orphan-processes.ts), so the plugins of a killed call can be found later.
 */
import { callTags, orphanScope } from "./orphan-processes.js";
import type { PulumiCommandLike } from "./pulumi-command.js";

/** The value of `--stack` (or `--stack=`) in a CLI call's arguments. */
export function stackOf(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === "--stack" || arg === "-s") return args[i + 1];
    if (arg.startsWith("--stack=")) return arg.slice("--stack=".length);
  }
  return undefined;
}

/**
 * @param inner the CLI
 * @param project the Pulumi project the calls drive (with the backend, the scope of stack names)
 */
export function taggedCommand(inner: PulumiCommandLike, project: string): PulumiCommandLike {
  return {
    command: inner.command,
    version: inner.version,
    run(args, cwd, additionalEnv, onOutput, onError, signal) {
      const stack = stackOf(args);
      const env =
        stack === undefined
          ? additionalEnv
          : { ...additionalEnv, ...callTags(stack, orphanScope(project, additionalEnv)) };
      return inner.run(args, cwd, env, onOutput, onError, signal);
    },
  };
}
