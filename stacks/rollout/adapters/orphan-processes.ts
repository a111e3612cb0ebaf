/**
 * Language hosts and provider plugins left running by a killed `pulumi`.
 *
 * The CLI starts its plugins in process groups of their own, so killing the
 * CLI's group does not reach them, and after a `kill -9` of the CLI they are
 * re-parented to init and keep their ports and files open. Every CLI call the
 * driver makes carries two environment variables, inherited by everything the
 * CLI starts: the stack it drives and an id of the call. A call whose `pulumi`
 * process is gone but whose other processes still run left orphans: they are
 * killed before the stack is driven again. Linux only (it reads /proc);
 * elsewhere the sweep finds nothing.
 */
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";

export const STACK_TAG = "COHORT_ROLLOUT_STACK";
export const CALL_TAG = "COHORT_ROLLOUT_CALL";

/** The environment that tags one CLI call on `stack`. */
export function callTags(stack: string): Record<string, string> {
  return { [STACK_TAG]: stack, [CALL_TAG]: randomUUID() };
}

interface TaggedProcess {
  pid: number;
  call: string;
  /** The executable's short name (/proc/<pid>/comm, 15 characters at most). */
  comm: string;
}

function taggedProcesses(stack: string, proc = "/proc"): TaggedProcess[] {
  let entries: string[];
  try {
    entries = readdirSync(proc);
  } catch {
    return [];
  }
  const found: TaggedProcess[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const vars = readFileSync(`${proc}/${entry}/environ`, "utf8").split("\0");
      if (!vars.includes(`${STACK_TAG}=${stack}`)) continue;
      const call = vars.find((v) => v.startsWith(`${CALL_TAG}=`))?.slice(CALL_TAG.length + 1);
      if (call === undefined) continue;
      const comm = readFileSync(`${proc}/${entry}/comm`, "utf8").trim();
      found.push({ pid: Number(entry), call, comm });
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

/**
 * Kills the processes of every call on `stack` whose `pulumi` is gone, and
 * returns their pids. A call whose CLI still runs is never touched.
 */
export function killOrphans(stack: string, proc = "/proc"): number[] {
  const byCall = new Map<string, TaggedProcess[]>();
  for (const p of taggedProcesses(stack, proc)) {
    const list = byCall.get(p.call) ?? [];
    list.push(p);
    byCall.set(p.call, list);
  }
  const killed: number[] = [];
  for (const members of byCall.values()) {
    if (members.some((m) => m.comm === "pulumi")) continue;
    for (const m of members) {
      try {
        process.kill(m.pid, "SIGKILL");
        killed.push(m.pid);
      } catch {
        // Already gone.
      }
    }
  }
  return killed;
}
