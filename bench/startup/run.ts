/**
 * Startup of the compiled `cohort-rollout` bin: how long `cohort-rollout
 * --help` takes, as a ratio to a bare `node -e 0` measured in the same run
 * (so a busy or slow machine moves both), interleaved, repeated, median.
 *
 * Goal: `--help` well under 0.5 s. As a ratio: at most GOAL_RATIO times a bare
 * Node start, which on a machine where Node starts in 50-100 ms is 0.25-0.5 s.
 * The absolute median is printed beside it for reference. Exit 1 on a miss.
 *
 *   npm run bench:startup      (builds the bin first: stacks/rollout's `npm run build`)
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../stacks/rollout/bin/cohort-rollout.js", import.meta.url));
const COMPILED = fileURLToPath(
  new URL("../../stacks/rollout/dist/stacks/rollout/cli/main.js", import.meta.url),
);
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const GOAL_RATIO = 5;
const GOAL_MS = 500;

/** Wall time of one process, in milliseconds; throws if it fails. */
function timed(args: string[], check?: (stdout: string) => boolean): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0 || (check !== undefined && !check(result.stdout))) {
    throw new Error(`node ${args.join(" ")} failed (${String(result.status)}): ${result.stderr}`);
  }
  return ms;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? 0)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

if (!existsSync(COMPILED)) {
  console.error(`no compiled CLI at ${COMPILED}: run \`npm run build --workspace cohort-rollout\``);
  process.exit(2);
}

const isHelp = (out: string) => out.startsWith("Usage: cohort-rollout");
// One warm-up of each, so the first measured run does not pay for a cold file cache.
timed(["-e", "0"]);
timed([BIN, "--help"], isHelp);

const bare: number[] = [];
const help: number[] = [];
// Interleaved, so load on the machine during the run weighs on both series alike.
for (let i = 0; i < RUNS; i++) {
  bare.push(timed(["-e", "0"]));
  help.push(timed([BIN, "--help"], isHelp));
}
const bareMs = median(bare);
const helpMs = median(help);
const ratio = helpMs / bareMs;

console.log(`runs: ${RUNS} of each, interleaved`);
console.log(`node_e0_median_ms: ${bareMs.toFixed(1)}`);
console.log(`cli_help_median_ms: ${helpMs.toFixed(1)} (goal < ${GOAL_MS} on an idle machine)`);
const met = ratio <= GOAL_RATIO;
console.log(`goal: cli_help_startup_ratio <= ${GOAL_RATIO} ${met ? "(met)" : "(MISSED)"}`);
console.log(`cli_help_startup_ratio: ${ratio.toFixed(2)}`);
if (!met) process.exitCode = 1;
