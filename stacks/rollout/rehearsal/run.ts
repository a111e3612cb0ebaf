/**
 * Runs `cohort-rollout rehearse` with already-parsed flags: loads the profile
 * and the environment, rehearses the plan, writes the HTML report and prints
 * the summary (or `--json`). Loaded by the command's action only (command.ts),
 * since it pulls in the component, Pulumi's runtime and the simulation.
 *
 * Exit codes (EXIT in ../exit-codes.ts): 0 the plan delivered a good release
 * or contained a bad one; 1 a bad release escaped (or a good one did not
 * arrive); 2 bad options, profile or environment, or the plan was refused;
 * 3 the rehearsed rollout stopped for a human (blocked, stuck). With --train, the same codes
 * from the train's verdict (train/rehearse-train.ts).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { EXIT, type ExitCode } from "../core/exit-codes.js";
import { renderLine, type ProgressListener } from "../core/progress.js";
import {
  REHEARSAL_POLICY,
  type RehearseOptions,
  badPosition,
  faultFor,
  parseRehearseOptions,
} from "./options.js";
import { loadRehearsalEnvironment } from "./program/component-alarms.js";
import { ProfileError, loadProfile, type LoadedProfile } from "./profiles.js";
import type { RehearsalEnvironment } from "./environment.js";
import { rehearsalHtml } from "./report/html.js";
import { rehearsalJson, trainRehearsalJson } from "./report/json.js";
import { terminalSummary } from "./report/terminal.js";
import { trainRehearsalHtml } from "./report/train-html.js";
import { trainSummary } from "./report/train-terminal.js";
import { PlanRefusedError, rehearse, type Rehearsal } from "./rehearse.js";
import type { SimulationProfile } from "./sim/profile.js";
import { type TrainRehearsal, rehearseTrain } from "./train/rehearse-train.js";

export interface RehearseIo {
  out(text: string): void;
  err(text: string): void;
  exit(code: ExitCode): void;
}

export const processIo: RehearseIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  exit: (code) => {
    process.exitCode = code;
  },
};

function exitFor(r: Rehearsal): ExitCode {
  if (r.verdict.ok) return EXIT.done;
  return r.verdict.kind === "stuck" ? EXIT.human : EXIT.reverted;
}

/**
 * The plan runner's own progress lines (what `deploy` prints), on stderr;
 * the per-poll bake lines are left out, since hours of bakes pass in a blink.
 */
function runnerLines(io: RehearseIo): ProgressListener {
  return (u) => {
    if (u.kind !== "bake") io.err(`runner: ${renderLine(u)}\n`);
  };
}

/**
 * A train's exit code: as a single release's, from the train's verdict.
 * @param r the train rehearsal
 */
function trainExitFor(r: TrainRehearsal): ExitCode {
  if (r.verdict.ok) return EXIT.done;
  return r.verdict.kind === "stuck" ? EXIT.human : EXIT.reverted;
}

/**
 * Writes the report file; a message naming --out when it cannot.
 * @param out the --out path
 * @param html the report
 */
function writeReport(out: string, html: string): string | undefined {
  const path = resolve(out);
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, html);
    return undefined;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return `invalid options:\n  - --out: cannot write ${path} (${message}); hint: --out .artifacts/rehearsal/report.html`;
  }
}

/**
 * `rehearse --train`: the train through the real train controller; report and exit code.
 * @param env the environment
 * @param profile the simulated traffic
 * @param o the parsed options (with `train`)
 * @param io output
 * @param usage reports a usage error and returns its code
 */
async function runTrainRehearsal(
  env: RehearsalEnvironment,
  profile: SimulationProfile,
  o: RehearseOptions,
  io: RehearseIo,
  usage: (message: string) => ExitCode,
): Promise<ExitCode> {
  let r: TrainRehearsal;
  try {
    r = await rehearseTrain(env, {
      fault: faultFor(o),
      profile,
      policy: REHEARSAL_POLICY,
      releases: o.train ?? 2,
      bad: badPosition(o),
      order: o.trainOrder ?? "queue",
      observationMs: (o.observation ?? 0) * 60_000,
      ...(o.verbose ? { log: (line: string) => io.err(`train: ${line}\n`) } : {}),
    });
  } catch (err) {
    if (err instanceof PlanRefusedError) return usage(err.message);
    throw err;
  }
  const problem = writeReport(o.out, trainRehearsalHtml(r));
  if (problem !== undefined) return usage(problem);
  io.out(o.json ? trainRehearsalJson(r) + "\n" : trainSummary(r, o.out));
  return trainExitFor(r);
}

/** Runs the command with already-parsed flags; returns the exit code. */
export async function runRehearse(raw: Record<string, unknown>, io: RehearseIo): Promise<ExitCode> {
  const usage = (message: string): ExitCode => {
    // With --json, a script reading stdout gets the error as JSON too (as the other commands do).
    if (raw.json === true) {
      io.out(JSON.stringify({ kind: "error", exitCode: EXIT.usage, message }) + "\n");
    }
    io.err(`cohort-rollout: error: ${message}\n`);
    return EXIT.usage;
  };
  const parsed = parseRehearseOptions(raw);
  if (!parsed.ok) {
    return usage(`invalid options:\n${parsed.problems.map((p) => `  - ${p}`).join("\n")}`);
  }
  const o = parsed.options;
  let env: RehearsalEnvironment;
  let loaded: LoadedProfile;
  try {
    loaded = loadProfile(o.environment, o.seed, o.profile);
    env = await loadRehearsalEnvironment(
      o.environment,
      o.program !== undefined ? { program: o.program } : {},
    );
  } catch (err) {
    if (err instanceof ProfileError) return usage(err.message);
    const message = err instanceof Error ? err.message : String(err);
    return usage(`cannot rehearse environment ${o.environment}: ${message}`);
  }
  const unknown = Object.keys(loaded.profile.cohorts).filter(
    (c) => !env.cohorts.some((e) => e.name === c),
  );
  if (unknown.length > 0) {
    io.err(
      `cohort-rollout: warning: profile ${loaded.source} describes cohorts ${unknown.join(", ")} that environment ${o.environment} does not have (ignored)\n`,
    );
  }
  if (o.train !== undefined) return runTrainRehearsal(env, loaded.profile, o, io, usage);
  let rehearsal: Rehearsal;
  try {
    rehearsal = await rehearse(env, {
      fault: faultFor(o),
      profile: loaded.profile,
      policy: REHEARSAL_POLICY,
      operatorResponseMs: o.operatorResponse * 60_000,
      horizonMs: 0,
      bakeFrom: o.bakeFrom,
      ...(o.verbose ? { progress: runnerLines(io) } : {}),
    });
  } catch (err) {
    // A refused plan is the environment's problem; anything else is ours and propagates.
    if (err instanceof PlanRefusedError) return usage(err.message);
    throw err;
  }
  const problem = writeReport(o.out, rehearsalHtml(rehearsal));
  if (problem !== undefined) return usage(problem);
  io.out(o.json ? rehearsalJson(rehearsal) + "\n" : terminalSummary(rehearsal, o.out));
  return exitFor(rehearsal);
}
