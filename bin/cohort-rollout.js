#!/usr/bin/env node
// The `cohort-rollout` executable: loads the TypeScript CLI through tsx in
// this same process (no child process, so signals and the crash hook's
// SIGKILL act on the process the caller started) and exits with its code.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../stacks/rollout/cli.ts");
process.exitCode = await main(process.argv.slice(2));
