// Files of the fake backend: one JSON file per stack, lock files, fault
// counters. Writes go through a temp file + rename so a killed process never
// leaves half a file.
import {
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  openSync,
  closeSync,
  readdirSync,
} from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";

export class CliError extends Error {}

export function stateDir() {
  const dir = process.env.FAKE_PULUMI_STATE;
  if (!dir) {
    process.stderr.write(
      "fake-pulumi: FAKE_PULUMI_STATE must name a directory for the fake backend's state\n",
    );
    process.exit(2);
  }
  mkdirSync(join(dir, "stacks"), { recursive: true });
  mkdirSync(join(dir, "locks"), { recursive: true });
  return dir;
}

const fileOf = (name) => encodeURIComponent(name) + ".json";

function writeJson(path, value) {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 2));
  renameSync(tmp, path);
}

function readJson(path, fallback) {
  if (!existsSync(path)) return fallback;
  return JSON.parse(readFileSync(path, "utf8"));
}

export function stackExists(name) {
  return existsSync(join(stateDir(), "stacks", fileOf(name)));
}

export function listStacks() {
  return readdirSync(join(stateDir(), "stacks"))
    .filter((f) => f.endsWith(".json"))
    .map((f) => decodeURIComponent(f.slice(0, -5)));
}

export function loadStack(name) {
  const stack = readJson(join(stateDir(), "stacks", fileOf(name)), undefined);
  if (!stack) throw new CliError(`no stack named '${name}' found`);
  return stack;
}

export function saveStack(stack) {
  writeJson(join(stateDir(), "stacks", fileOf(stack.name)), stack);
}

export function createStack(name) {
  if (stackExists(name)) throw new CliError(`stack '${name}' already exists`);
  saveStack({ name, config: {}, resources: {}, outputs: {}, pending: [], history: [] });
  selectStack(name);
}

export function selectStack(name) {
  if (!stackExists(name)) throw new CliError(`no stack named '${name}' found`);
  writeFileSync(join(stateDir(), "current"), name);
}

export function currentStack() {
  const path = join(stateDir(), "current");
  return existsSync(path) ? readFileSync(path, "utf8").trim() : undefined;
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return error.code === "EPERM";
  }
  // A killed CLI whose parent died too lingers as a zombie until it is reaped:
  // it answers signal 0 but holds nothing. Linux says so in /proc/<pid>/stat.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true;
  }
}

const lockPath = (name) => join(stateDir(), "locks", fileOf(name));

/** Take the stack's lock or fail like a DIY backend does. */
export function lock(name) {
  const path = lockPath(name);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeFileSync(
        fd,
        JSON.stringify({ pid: process.pid, host: hostname(), at: new Date().toISOString() }),
      );
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
      const holder = readJson(path, {});
      const stale = typeof holder.pid === "number" && !pidAlive(holder.pid);
      if (stale && process.env.FAKE_PULUMI_STALE_LOCKS !== "keep") {
        rmSync(path, { force: true });
        continue;
      }
      throw new CliError(
        `the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with \`pulumi cancel\`.\n` +
          `  ${path}: created by ${holder.host ?? "?"} (pid ${holder.pid ?? "?"}) at ${holder.at ?? "?"}`,
      );
    }
  }
  throw new CliError(`could not lock stack '${name}'`);
}

export function unlock(name) {
  rmSync(lockPath(name), { force: true });
}

/** Count a fault's use; true while it still has uses left. */
export function takeFault(key, times) {
  const path = join(stateDir(), "faults-used.json");
  const used = readJson(path, {});
  const n = used[key] ?? 0;
  if (times !== undefined && n >= times) return false;
  used[key] = n + 1;
  writeJson(path, used);
  return true;
}
