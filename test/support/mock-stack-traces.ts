/**
 * Program runs under Pulumi's mocks without stack frames.
 *
 * Pulumi captures `new Error().stack` for every resource (Resource.callsites, which raises
 * Error.stackTraceLimit to Infinity itself, for source positions) and for every output promise
 * (runtime/debuggable.ts, for leak reports). Under vitest every frame of those stacks is
 * source-mapped by the module runner's Error.prepareStackTrace: that formatting is half of a
 * mocked run's CPU on the Kubernetes platform and a sixth on AWS. Under mocks nobody reads
 * those stacks, so a run formats none: the frame limit drops to 0 and the formatter writes
 * only the error's first line. Both are restored when the run settles.
 *
 * PULUMI_MOCK_STACK_TRACES=1 keeps the frames, for debugging a failing run (its errors then
 * carry their stacks again).
 */

/** What a stack reads as during a run: the error's own line, no frames. */
function headerOnly(error: Error): string {
  return Error.prototype.toString.call(error);
}

/**
 * Runs `run` (a program under mocks, through to its settled graph) with stack frames off.
 *
 * @param run the whole mocked run; frames stay off until its promise settles
 * @returns what `run` resolves to
 */
export async function withoutStackTraces<T>(run: () => Promise<T>): Promise<T> {
  if (process.env.PULUMI_MOCK_STACK_TRACES === "1") return run();
  const limit = Error.stackTraceLimit;
  const prepare = Error.prepareStackTrace;
  Error.stackTraceLimit = 0;
  Error.prepareStackTrace = headerOnly;
  try {
    return await run();
  } finally {
    Error.stackTraceLimit = limit;
    Error.prepareStackTrace = prepare;
  }
}
