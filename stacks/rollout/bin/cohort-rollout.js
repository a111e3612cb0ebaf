#!/usr/bin/env node
// The `cohort-rollout` executable: the compiled CLI (npm run build), run in
// this same process (no child process, so signals and the crash hook's
// SIGKILL act on the process the caller started). Nothing is transpiled at
// start: from a checkout, build first or run `npm run cohort-rollout`.
const { main } = await import("../dist/stacks/rollout/cli.js");
process.exitCode = await main(process.argv.slice(2));
