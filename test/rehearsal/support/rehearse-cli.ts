/**
 * `cohort-rollout rehearse` through commander, as the CLI wires it: registerRehearseCommand on a
 * Program, then parseAsync with real argv; what it printed and the exit code it asked for.
 */
import { Command } from "commander";
import { registerRehearseCommand } from "../../../stacks/rollout/rehearsal/command.js";

/**
 * Runs `cohort-rollout rehearse` with `args`.
 * @param args the command's arguments
 */
export async function rehearseCli(
  ...args: string[]
): Promise<{ code: number | undefined; out: string; err: string }> {
  let out = "";
  let err = "";
  let code: number | undefined;
  const program = new Command("cohort-rollout").exitOverride();
  program.configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  registerRehearseCommand(program, {
    out: (s) => (out += s),
    err: (s) => (err += s),
    exit: (c) => (code = c),
  });
  await program.parseAsync(["node", "cohort-rollout", "rehearse", ...args]);
  return { code, out, err };
}
