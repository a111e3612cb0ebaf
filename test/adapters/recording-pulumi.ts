/**
 * A PulumiCommand that records every CLI call (args and cwd) and answers
 * from canned CLI output, so tests can assert the exact arguments the
 * Automation API sends for each driver call. For `preview`/`up`/`refresh`
 * it writes the canned engine events to the `--event-log` file, as the CLI
 * does for versions <= 3.205.
 */
import { appendFileSync } from "node:fs";
import type { CliResult, PulumiCommandLike } from "../../stacks/rollout/adapters/pulumi-command.js";
import { cliVersion } from "../../stacks/rollout/adapters/pulumi-command.js";

export interface RecordedCall {
  args: string[];
  cwd: string;
}

export interface CannedAnswer {
  stdout?: string;
  /** Engine events written to --event-log before answering. */
  events?: object[];
  /** Fail like the CLI: the Automation API's error text carries stderr. */
  fail?: { stderr: string; code?: number };
}

/** Answers are chosen by the first rule whose prefix matches the args. */
export type Rule = [prefix: string[], answer: CannedAnswer | ((args: string[]) => CannedAnswer)];

const STATE_WITHOUT_PENDING: Rule = [
  ["stack", "export"],
  { stdout: JSON.stringify({ version: 3, deployment: { resources: [] } }) },
];

export class RecordingPulumi implements PulumiCommandLike {
  readonly command = "pulumi";
  readonly version = cliVersion("3.200.0");
  readonly calls: RecordedCall[] = [];

  constructor(private readonly rules: Rule[]) {}

  run(args: string[], cwd: string): Promise<CliResult> {
    this.calls.push({ args: [...args], cwd });
    const rule =
      this.rules.find(([prefix]) => prefix.every((p, i) => args[i] === p)) ??
      // The driver exports the state before every update (to find pending operations).
      (args[0] === "stack" && args[1] === "export" ? STATE_WITHOUT_PENDING : undefined);
    const answer = rule
      ? typeof rule[1] === "function"
        ? rule[1](args)
        : rule[1]
      : { stdout: "" };
    const logIndex = args.indexOf("--event-log");
    if (logIndex >= 0 && answer.events) {
      const path = args[logIndex + 1] ?? "";
      answer.events.forEach((event, sequence) => {
        appendFileSync(path, `${JSON.stringify({ sequence, timestamp: 0, ...event })}\n`);
      });
    }
    if (answer.fail) {
      const code = answer.fail.code ?? 255;
      return Promise.reject(
        new Error(`code: ${String(code)}\n stdout: \n stderr: ${answer.fail.stderr}\n err?: \n`),
      );
    }
    return Promise.resolve({ stdout: answer.stdout ?? "", stderr: "", code: 0 });
  }

  /** The args of every call, with the temp event-log path replaced by "<event-log>". */
  argv(): string[][] {
    return this.calls.map(({ args }) =>
      args.map((a, i) => (args[i - 1] === "--event-log" ? "<event-log>" : a)),
    );
  }

  clear(): void {
    this.calls.length = 0;
  }
}
