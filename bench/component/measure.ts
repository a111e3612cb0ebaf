/** One measurement of the component benchmark, in a fresh child process (child.ts). */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ChildResult } from "./child.js";

const CHILD = fileURLToPath(new URL("./child.ts", import.meta.url));

/**
 * Runs child.ts for one variant and size and returns its RESULT line.
 * @param variant which program (child.ts's usage).
 * @param cohorts how many cohorts it declares.
 */
export function measure(variant: ChildResult["variant"], cohorts: number): ChildResult {
  const stdout = execFileSync(
    process.execPath,
    ["--import", "tsx", CHILD, variant, String(cohorts)],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 16 * 1024 * 1024 },
  );
  const line = stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (line === undefined) throw new Error(`child ${variant} ${cohorts} printed no RESULT`);
  return JSON.parse(line.slice("RESULT ".length)) as ChildResult;
}
