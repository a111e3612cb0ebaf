/**
 * Defaults are declared once, in the zod schemas: the values `--help` shows
 * are the ones the schema applies when a flag is left out.
 */
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { flagDefault } from "../../stacks/rollout/cli/commands/option-defaults.js";
import {
  addCommonOptions,
  addReleaseOptions,
  addRunOptions,
  commonOptionsSchema,
  parseOptions,
  runOptionsSchema,
} from "../../stacks/rollout/cli/commands/options.js";
import { registerRehearseCommand } from "../../stacks/rollout/rehearsal/command.js";
import { rehearseOptionsSchema } from "../../stacks/rollout/rehearsal/options.js";

/** The default commander shows for `--<flag>` of `cmd`. */
function shown(cmd: Command, flag: string): unknown {
  const option = cmd.options.find((o) => o.long === `--${flag}`);
  if (!option) throw new Error(`no option --${flag}`);
  return option.defaultValue;
}

describe("option defaults", () => {
  const deploy = addRunOptions(addReleaseOptions(addCommonOptions(new Command("deploy"))));

  it("the help shows the run options' defaults as the schema applies them", () => {
    expect(shown(deploy, "poll-interval")).toBe("30s");
    expect(shown(deploy, "publication-lag")).toBe("60s");
    expect(shown(deploy, "insufficient-data")).toBe("hold");
    expect(shown(deploy, "project-dir")).toBe(".");
    expect(shown(deploy, "ledger")).toBe("file");
    const applied = parseOptions(runOptionsSchema, {});
    expect(applied).toEqual({
      ok: true,
      value: {
        pollInterval: 30_000,
        allowDataLoss: false,
        insufficientData: "hold",
        publicationLag: 60_000,
        bakeScale: 1,
      },
    });
    // What commander passes when the flag is left out parses to the same values.
    const viaCommander = parseOptions(runOptionsSchema, {
      pollInterval: shown(deploy, "poll-interval"),
      insufficientData: shown(deploy, "insufficient-data"),
      publicationLag: shown(deploy, "publication-lag"),
      bakeScale: shown(deploy, "bake-scale"),
    });
    expect(viaCommander).toEqual(applied);
  });

  it("every flag with a schema default shows that default, and no other", () => {
    const rehearse = new Command("x");
    registerRehearseCommand(rehearse);
    const cmd = rehearse.commands[0];
    if (!cmd) throw new Error("rehearse was not registered");
    const groups: [Command, z.ZodObject<z.ZodRawShape>[]][] = [
      [deploy, [commonOptionsSchema, runOptionsSchema]],
      [cmd, [rehearseOptionsSchema]],
    ];
    for (const [command, schemas] of groups) {
      for (const option of command.options) {
        const key = option.attributeName();
        const schema = schemas.find((s) => key in s.shape);
        if (!schema) continue;
        expect(option.defaultValue, `--${option.name()}`).toBe(flagDefault(schema, key));
      }
    }
    expect(shown(cmd, "seed")).toBe("1");
    expect(shown(cmd, "out")).toBe(".artifacts/rehearsal/report.html");
  });

  it("flagDefault refuses a key the schema does not have", () => {
    expect(() => flagDefault(runOptionsSchema, "pollIntervall")).toThrow(/no key pollIntervall/);
  });
});
