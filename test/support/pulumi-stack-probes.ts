/**
 * Setup file of the `fast` project: Pulumi's own stack probes are not formatted.
 *
 * The Pulumi SDK reads `new Error().stack` for every resource (Resource.callsites, with the
 * frame limit raised to Infinity, for its source position) and for every output promise
 * (runtime/debuggable.ts, for leak reports). Under vitest each frame of those stacks goes
 * through the module runner's source-mapping Error.prepareStackTrace, and that formatting was
 * about a quarter of the fast project's CPU. Under Pulumi's mocks nothing reads those
 * positions (the mocks do not receive them; the recorders ignore them), so a probe made by
 * those two SDK functions reads as its first line only. Every other error, the tests' own
 * failures included, is formatted as before, source-mapped.
 *
 * PULUMI_MOCK_STACK_TRACES=1 formats the probes too (for debugging a mocked run).
 */
import { afterAll, beforeAll } from "vitest";

/** The SDK files and functions whose `new Error().stack` only records where a call came from. */
const PROBES: readonly { file: RegExp; fn: string }[] = [
  { file: /[\\/]@pulumi[\\/]pulumi[\\/]resource\.js$/, fn: "callsites" },
  { file: /[\\/]@pulumi[\\/]pulumi[\\/]runtime[\\/]debuggable\.js$/, fn: "debuggablePromise" },
];

type Prepare = (error: Error, frames: NodeJS.CallSite[]) => unknown;

/**
 * Whether `error` is one of Pulumi's probes: no message, created directly by a probe function.
 *
 * @param error the error being formatted
 * @param frames its frames, innermost first
 */
function isPulumiProbe(error: Error, frames: NodeJS.CallSite[]): boolean {
  const top = frames[0];
  if (error.message !== "" || top === undefined) return false;
  const file = top.getFileName() ?? "";
  const fn = top.getFunctionName() ?? "";
  return PROBES.some((p) => p.fn === fn && p.file.test(file));
}

/** Puts the formatter found back; set while the probe filter is installed. */
let restore: (() => void) | undefined;

beforeAll(() => {
  // V8 calls the formatter as a plain function: taking it off Error loses no `this`.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const found: Prepare | undefined = Error.prepareStackTrace;
  // Without a formatter of its own (no source mapping), V8's native format costs little.
  if (process.env.PULUMI_MOCK_STACK_TRACES === "1" || found === undefined) return;
  Error.prepareStackTrace = (error, frames) =>
    isPulumiProbe(error, frames) ? Error.prototype.toString.call(error) : found(error, frames);
  restore = () => {
    Error.prepareStackTrace = found;
  };
});

afterAll(() => {
  restore?.();
  restore = undefined;
});
