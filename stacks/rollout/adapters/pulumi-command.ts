/**
 * The seam between the driver and the Pulumi CLI. LocalWorkspace sends every
 * CLI call through a PulumiCommand's `run`, which the SDK's typings hide
 * (@internal); this interface names it so tests can inject a recording command
 * (or a timing one, in the benchmark) in place of the real CLI.
 */
import type { PulumiCommand } from "@pulumi/pulumi/automation/index.js";

type AutomationSdk = typeof import("@pulumi/pulumi/automation/index.js");

let loading: Promise<AutomationSdk> | undefined;
let loaded: AutomationSdk | undefined;

/**
 * The Automation API, loaded on first use. Importing it costs one to two
 * seconds of start-up, which CLI commands that never touch a stack (status,
 * history, a bake poll after a restart) should not pay.
 */
export function automationSdk(): Promise<AutomationSdk> {
  loading ??= import("@pulumi/pulumi/automation/index.js").then((sdk) => (loaded = sdk));
  return loading;
}

/** The Automation API if it has been loaded already (errors from it imply it has). */
export function loadedAutomationSdk(): AutomationSdk | undefined {
  return loaded;
}

export interface CliResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** What the Automation API needs from a CLI: `run` must throw on a non-zero exit. */
export interface PulumiCommandLike {
  command: string;
  /** A semver; only its string form is read (to pick the event-log transport). */
  version: { toString(): string } | null;
  run(
    args: string[],
    cwd: string,
    additionalEnv: Record<string, string>,
    onOutput?: (data: string) => void,
    onError?: (data: string) => void,
    signal?: AbortSignal,
  ): Promise<CliResult>;
}

/** A version object good enough for the Automation API's semver checks. */
export function cliVersion(version: string): { toString(): string } {
  return { toString: () => version };
}

/**
 * The real CLI: `<root>/bin/pulumi` when `root` is given (how the tests plug in
 * the engine scripts/ensure-pulumi.sh unpacked), otherwise `pulumi` on PATH.
 */
export async function resolvePulumiCommand(root?: string): Promise<PulumiCommandLike> {
  const { PulumiCommand } = await automationSdk();
  const command = await PulumiCommand.get(
    root === undefined ? {} : { root, skipVersionCheck: true },
  );
  // The SDK class has `run` at runtime (typed @internal, so hidden from .d.ts).
  return command as unknown as PulumiCommandLike;
}

/** LocalWorkspace's option is typed by the SDK class; any PulumiCommandLike works at runtime. */
export function asSdkCommand(command: PulumiCommandLike): PulumiCommand {
  return command as unknown as PulumiCommand;
}
