/**
 * Setup file of the `fast` project, whose test files share worker processes (`isolate: false`
 * in vitest.config.ts: each file importing @pulumi/pulumi, @pulumi/aws and the rest anew was
 * most of the project's time). It runs before every file and keeps files from seeing each
 * other:
 *  - each file starts with empty Pulumi config, as in a fresh process (the mocks, the stack
 *    and the rest of Pulumi's runtime state are reset by every `setMocks`; config is not);
 *  - each file must leave the process-global state it may change as it found it (environment,
 *    working directory, exit code, stack-trace settings): a file that does not fails, naming
 *    what it left changed, rather than letting a later file pass or fail by its order.
 */
import { createRequire } from "node:module";
import { afterAll, beforeAll } from "vitest";

const require = createRequire(import.meta.url);

/** The process-global state a test file may change, as comparable values. */
function processState(): Record<string, unknown> {
  return {
    ...Object.fromEntries(Object.entries(process.env).map(([k, v]) => [`process.env.${k}`, v])),
    "process.cwd()": process.cwd(),
    "process.exitCode": process.exitCode,
    "Error.stackTraceLimit": Error.stackTraceLimit,
    // Compared by identity, never called: V8 calls it as a plain function anyway.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    "Error.prepareStackTrace": Error.prepareStackTrace,
  };
}

/** Empties Pulumi's config if this process has loaded Pulumi (loading it here would cost a second). */
function resetPulumiConfig(): void {
  const path = require.resolve("@pulumi/pulumi");
  if (require.cache[path] === undefined) return;
  const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
  pulumi.runtime.setAllConfig({});
}

let before: Record<string, unknown> = {};

beforeAll(() => {
  resetPulumiConfig();
  before = processState();
});

afterAll(() => {
  const after = processState();
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const changed = [...keys].filter((k) => !Object.is(before[k], after[k]));
  if (changed.length > 0) {
    throw new Error(
      `this test file left process-global state changed: ${changed.join(", ")}; files of the fast project share processes, so restore it (afterEach/afterAll/finally)`,
    );
  }
});
