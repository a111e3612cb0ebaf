#!/usr/bin/env node
// The `cohort-rollout` executable: the compiled CLI (npm run build), run in
// this same process (no child process, so signals and the crash hook's
// SIGKILL act on the process the caller started). Nothing is transpiled at
// start: from a checkout, build first or run `npm run cohort-rollout`.
// A reader that stops early (`cohort-rollout status | head`) closes the pipe; that is not a
// failure of the command, so the process ends quietly instead of crashing on EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
}
const { main } = await import("../dist/stacks/rollout/cli/main.js");
process.exitCode = await main(process.argv.slice(2));
