#!/usr/bin/env node
// The fake `pulumi` CLI's entry point; see bin/pulumi for how to use it.
import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  CliError,
  createStack,
  currentStack,
  listStacks,
  loadStack,
  lock,
  saveStack,
  selectStack,
  takeFault,
  unlock,
} from "./state.mjs";
import {
  cohortAlarms,
  countOps,
  desiredResources,
  diff,
  loadFixture,
  outputsOf,
} from "./program.mjs";

const VERSION = "v3.200.0"; // <= 3.205 so the Automation API reads engine events from an --event-log file

const BOOLEAN_FLAGS = new Set([
  "--yes",
  "--skip-preview",
  "--show-secrets",
  "--clear-pending-creates",
  "--non-interactive",
  "--path",
  "--diff",
  "--refresh",
  "--expect-no-changes",
  "--preview-only",
  "--logflow",
  "--logtostderr",
  "--debug",
  "--suppress-outputs",
  "--suppress-progress",
  "--target-dependents",
  "--exclude-dependents",
  "--no-select",
]);

/**
 * The engine test program's hold points (test/support/engine-program), same names: at a
 * changing step, write `<stack>.<step>.started` in FAKE_PULUMI_HOLD_DIR and wait while
 * `<stack>.<step>.hold` exists, so a test forces an interleaving instead of hoping for it.
 */
async function holdPoint(stack, step) {
  const dir = process.env.FAKE_PULUMI_HOLD_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${stack}.${step}.started`), String(process.pid));
  while (existsSync(join(dir, `${stack}.${step}.hold`))) await sleep(50);
}

function parse(argv) {
  const positional = [];
  const flags = {};
  const pairs = []; // ordered --plaintext/--secret k=v for `config set-all`
  let rest = [];
  const setAll = argv[0] === "config" && argv[1] === "set-all";
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      rest = argv.slice(i + 1);
      break;
    }
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (eq > 0) {
      flags[name] = arg.slice(eq + 1);
    } else if (setAll && (name === "--plaintext" || name === "--secret")) {
      pairs.push({ secret: name === "--secret", pair: argv[++i] });
    } else if (
      name === "--plaintext" ||
      name === "--secret" ||
      (name === "--json" && !setAll) ||
      BOOLEAN_FLAGS.has(name)
    ) {
      flags[name] = true;
    } else {
      flags[name] = argv[++i];
    }
  }
  return { positional, flags, pairs, rest };
}

function projectName() {
  const path = join(process.cwd(), "Pulumi.yaml");
  if (!existsSync(path))
    throw new CliError(
      `no Pulumi.yaml project file found (searching upwards from ${process.cwd()})`,
    );
  const match = /^name:\s*["']?([^"'\s#]+)/m.exec(readFileSync(path, "utf8"));
  if (!match) throw new CliError(`Pulumi.yaml has no project name`);
  return match[1];
}

const qualify = (key, project) => (key.includes(":") ? key : `${project}:${key}`);

function stackName(flags, positional) {
  const name = flags["--stack"] ?? positional[0] ?? currentStack();
  if (!name) throw new CliError("no stack selected; please use `pulumi stack select`");
  return name;
}

const print = (value) =>
  process.stdout.write(`${typeof value === "string" ? value : JSON.stringify(value, null, 2)}\n`);

function configView(config, showSecrets) {
  const view = {};
  for (const [k, v] of Object.entries(config)) {
    view[k] = v.secret && !showSecrets ? { secret: true } : { value: v.value, secret: !!v.secret };
  }
  return view;
}

async function main(argv) {
  const { positional, flags, pairs, rest } = parse(argv);
  const [command, sub, ...args] = positional;
  switch (command) {
    case "version":
      return print(VERSION);
    case "stack":
      return stackCommand(sub, args, flags);
    case "config":
      return configCommand(sub, args, flags, pairs, rest);
    case "preview":
      return operation("preview", flags);
    case "up":
      return operation("up", flags);
    case "refresh":
      return operation("refresh", flags);
    case "cancel": {
      const name = stackName(flags, [sub].filter(Boolean));
      loadStack(name);
      unlock(name);
      return print(`The currently running update for '${name}' has been canceled!`);
    }
    case "whoami":
      return print(
        flags["--json"] ? { user: "fake", organizations: [], url: "file://fake" } : "fake",
      );
    default:
      throw new CliError(`fake-pulumi does not implement \`pulumi ${argv.join(" ")}\``);
  }
}

function stackCommand(sub, args, flags) {
  switch (sub) {
    case "select":
      return selectStack(stackName(flags, args));
    case "init":
      return createStack(args[0] ?? flags["--stack"]);
    case "ls": {
      const current = currentStack();
      return print(
        listStacks().map((name) => {
          const stack = loadStack(name);
          const last = stack.history[0];
          return {
            name,
            current: name === current,
            updateInProgress: false,
            ...(last ? { lastUpdate: last.endTime ?? last.startTime } : {}),
            resourceCount: Object.keys(stack.resources).length,
          };
        }),
      );
    }
    case "output":
      return print(loadStack(stackName(flags, args)).outputs);
    case "export": {
      // The parts of `pulumi stack export` the driver reads: pending operations and their types.
      const stack = loadStack(stackName(flags, args));
      const typeOf = (urn) => (urn.split("::")[2] ?? "").split("$").at(-1);
      return print({
        version: 3,
        deployment: {
          resources: Object.entries(stack.resources).map(([urn, r]) => ({ urn, type: r.type })),
          pending_operations: stack.pending.map((p) => ({
            type: p.op === "create" ? "creating" : "updating",
            resource: { urn: p.urn, type: typeOf(p.urn) },
          })),
        },
      });
    }
    case "history": {
      const stack = loadStack(stackName(flags, args));
      const pageSize = Number(flags["--page-size"] ?? stack.history.length) || stack.history.length;
      const page = Math.max(1, Number(flags["--page"] ?? 1));
      const entries = stack.history.slice((page - 1) * pageSize, page * pageSize).map((entry) => ({
        ...entry,
        config: configView(entry.config, !!flags["--show-secrets"]),
      }));
      return print(entries);
    }
    case undefined:
      return print(stackName(flags, args));
    default:
      throw new CliError(`fake-pulumi does not implement \`pulumi stack ${sub}\``);
  }
}

function configCommand(sub, args, flags, pairs, rest) {
  const project = projectName();
  if (sub === undefined) {
    const stack = loadStack(stackName(flags, []));
    return print(configView(stack.config, !!flags["--show-secrets"]));
  }
  const stack = loadStack(stackName(flags, []));
  switch (sub) {
    case "get": {
      const key = qualify(args[0], project);
      const value = stack.config[key];
      if (!value)
        throw new CliError(`configuration key '${args[0]}' not found for stack '${stack.name}'`);
      return print(flags["--json"] ? { value: value.value, secret: !!value.secret } : value.value);
    }
    case "set": {
      const value = rest[0] ?? args[1];
      stack.config[qualify(args[0], project)] = { value, secret: !!flags["--secret"] };
      return saveStack(stack);
    }
    case "set-all": {
      if (typeof flags["--json"] === "string") {
        for (const [k, v] of Object.entries(JSON.parse(flags["--json"]))) {
          stack.config[qualify(k, project)] = {
            value: v.value ?? JSON.stringify(v.objectValue),
            secret: !!v.secret,
          };
        }
      }
      for (const { secret, pair } of pairs) {
        const eq = pair.indexOf("=");
        if (eq <= 0)
          throw new CliError(`could not parse ${pair} as a configuration key/value pair`);
        stack.config[qualify(pair.slice(0, eq), project)] = { value: pair.slice(eq + 1), secret };
      }
      return saveStack(stack);
    }
    case "rm":
    case "rm-all":
      for (const key of args) delete stack.config[qualify(key, project)];
      return saveStack(stack);
    default:
      throw new CliError(`fake-pulumi does not implement \`pulumi config ${sub}\``);
  }
}

class EventLog {
  constructor(path) {
    this.path = typeof path === "string" && !path.startsWith("tcp://") ? path : undefined;
    this.sequence = 0;
  }
  emit(body) {
    if (!this.path) return;
    const event = { sequence: this.sequence++, timestamp: Math.floor(Date.now() / 1000), ...body };
    appendFileSync(this.path, `${JSON.stringify(event)}\n`);
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function pickFault(fixture, stackName, op, pin) {
  const faults = fixture.faults[stackName] ?? [];
  for (let i = 0; i < faults.length; i++) {
    const fault = faults[i];
    if ((fault.op ?? "up") !== op) continue;
    if (fault.version !== undefined && fault.version !== pin?.version) continue;
    if (takeFault(`${stackName}:${String(i)}`, fault.times)) return fault.mode;
  }
  return undefined;
}

async function operation(kind, flags) {
  const project = projectName();
  const name = stackName(flags, []);
  const stack = loadStack(name);
  const fixture = loadFixture();
  const log = new EventLog(flags["--event-log"]);
  const started = new Date();
  const { resources: desired, owner, pin } = desiredResources(name, project, stack.config, fixture);
  const configSnapshot = structuredClone(stack.config);
  log.emit({
    preludeEvent: {
      config: Object.fromEntries(
        Object.entries(stack.config).map(([k, v]) => [k, v.secret ? "[secret]" : v.value]),
      ),
    },
  });

  if (kind === "preview") {
    if (pickFault(fixture, name, "preview", pin) === "fail")
      throw new CliError("preview failed (injected fault)");
    const steps = diff(stack.resources, desired);
    for (const step of steps)
      log.emit({
        resourcePreEvent: {
          metadata: { op: step.op, urn: step.urn, type: step.type, provider: "" },
        },
      });
    const counts = countOps(steps);
    log.emit({
      summaryEvent: {
        maybeCorrupt: false,
        durationSeconds: 0,
        resourceChanges: counts,
        policyPacks: {},
      },
    });
    log.emit({ cancelEvent: {} });
    print(`Previewing update (${name}):\n${summaryText(counts)}`);
    return;
  }

  const release = lock(name);
  let finished = false;
  const record = (result, counts) => {
    const fresh = loadStack(name);
    const entry = {
      // Like the real CLI on a file (DIY) backend: every update is version 0.
      version: 0,
      kind: kind === "up" ? "update" : "refresh",
      startTime: started.toISOString(),
      message: typeof flags["--message"] === "string" ? flags["--message"] : "",
      environment: { "exec.kind": String(flags["--exec-kind"] ?? "cli"), ...gitEnvironment() },
      config: configSnapshot,
      result,
      endTime: new Date().toISOString(),
      resourceChanges: counts,
    };
    fresh.history.unshift(entry);
    return { fresh, entry };
  };
  const onSignal = () => {
    if (finished) return;
    finished = true;
    const { fresh } = record("failed", {});
    saveStack(fresh);
    release();
    process.stderr.write("error: update canceled\n");
    process.exit(1);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  try {
    if (kind === "refresh") {
      // Like the real CLI: a refresh without --clear-pending-creates succeeds and keeps them.
      const remaining = flags["--clear-pending-creates"]
        ? []
        : stack.pending.filter((p) => p.op === "create");
      if (pickFault(fixture, name, "refresh", pin) === "fail")
        throw new CliError("refresh failed (injected fault)");
      for (const [urn, res] of Object.entries(stack.resources))
        log.emit({
          resourcePreEvent: { metadata: { op: "refresh", urn, type: res.type, provider: "" } },
        });
      const counts = { same: Object.keys(stack.resources).length };
      log.emit({
        summaryEvent: {
          maybeCorrupt: false,
          durationSeconds: 0,
          resourceChanges: counts,
          policyPacks: {},
        },
      });
      log.emit({ cancelEvent: {} });
      const { fresh } = record("succeeded", counts);
      fresh.pending = remaining;
      saveStack(fresh);
      print(`Refreshing (${name}):\n${summaryText(counts)}`);
      return;
    }

    // Like the real CLI: pending operations do not stop an update; it warns and goes on.
    if (stack.pending.length > 0)
      process.stderr.write(
        `warning: Attempting to deploy or update resources with ${String(stack.pending.length)} pending operations from previous deployment.\n`,
      );
    const mode = pickFault(fixture, name, "up", pin);
    const steps = diff(stack.resources, desired);
    const changing = steps.filter((s) => s.op !== "same");
    const stepMs = Number(process.env.FAKE_PULUMI_STEP_MS ?? 0);
    const failAt = mode === "fail" ? Math.floor(changing.length / 2) : -1;
    let index = 0;
    for (const step of steps) {
      log.emit({
        resourcePreEvent: {
          metadata: { op: step.op, urn: step.urn, type: step.type, provider: "" },
        },
      });
      if (step.op === "same") continue;
      stack.pending = [{ urn: step.urn, op: step.op === "create" ? "create" : "update" }];
      saveStack(stack);
      await holdPoint(name, step.op === "create" ? "service-create" : "service-update");
      if (mode === "hang") {
        await new Promise(() => setInterval(() => undefined, 1 << 30));
      }
      if (mode === "pending") {
        const { fresh } = record("failed", {});
        fresh.pending = stack.pending;
        saveStack(fresh);
        throw new CliError(
          "update interrupted: a resource operation did not complete (injected fault)",
        );
      }
      if (mode === "crash") process.kill(process.pid, "SIGKILL");
      if (index === failAt) {
        stack.pending = [];
        saveStack(stack);
        log.emit({
          diagnosticEvent: {
            urn: step.urn,
            message: `${step.type} ${step.urn}: injected failure\n`,
            color: "never",
            severity: "error",
          },
        });
        const { fresh } = record("failed", countOps(steps.slice(0, steps.indexOf(step))));
        saveStack(fresh);
        throw new CliError("update failed: 1 error occurred (injected fault)");
      }
      if (stepMs > 0) await sleep(stepMs);
      if (step.op === "delete") delete stack.resources[step.urn];
      else stack.resources[step.urn] = desired[step.urn];
      stack.pending = [];
      saveStack(stack);
      log.emit({
        resOutputsEvent: {
          metadata: { op: step.op, urn: step.urn, type: step.type, provider: "" },
        },
      });
      index++;
    }
    const counts = countOps(steps);
    log.emit({
      summaryEvent: {
        maybeCorrupt: false,
        durationSeconds: 0,
        resourceChanges: counts,
        policyPacks: {},
      },
    });
    log.emit({ cancelEvent: {} });
    const { fresh } = record("succeeded", counts);
    fresh.resources = desired;
    fresh.pending = [];
    fresh.outputs = outputsOf(name, project, stack.config, fixture);
    saveStack(fresh);
    if (owner.part === "cohort" && process.env.FAKE_PULUMI_CLOUDWATCH_ENDPOINT) {
      const cohortBad = fixture.cohorts?.[owner.cohort]?.badVersions ?? [];
      const bad =
        pin !== undefined &&
        (fixture.badVersions.includes(pin.version) || cohortBad.includes(pin.version));
      // Loaded lazily: the AWS SDK costs more start-up time than the whole fake.
      const { applyAlarmEffects } = await import("./cloudwatch.mjs");
      await applyAlarmEffects(owner.cohort, cohortAlarms(owner.cohort, fixture).alarms, bad);
    }
    print(`Updating (${name}):\n${summaryText(counts)}`);
  } finally {
    finished = true;
    release();
  }
}

/** Like the real CLI, record the commit the program was run from. */
function gitEnvironment() {
  try {
    const head = execFileSync("git", ["rev-parse", "HEAD"], { stdio: ["ignore", "pipe", "ignore"] })
      .toString()
      .trim();
    return head ? { "git.head": head } : {};
  } catch {
    return {};
  }
}

function summaryText(counts) {
  const lines = ["Resources:"];
  const signs = { create: "+", update: "~", replace: "+-", delete: "-" };
  for (const [op, n] of Object.entries(counts)) {
    lines.push(
      op === "same" ? `    ${String(n)} unchanged` : `    ${signs[op] ?? ""} ${String(n)} to ${op}`,
    );
  }
  return `${lines.join("\n")}\n\nDuration: 0s`;
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error) => {
    if (error instanceof CliError) {
      process.stderr.write(`error: ${error.message}\n`);
      process.exit(1); // the real CLI's exit code for every error (locked and cancelled too)
    }
    process.stderr.write(`fake-pulumi internal error: ${error?.stack ?? String(error)}\n`);
    process.exit(2);
  },
);
