/**
 * Language hosts and provider plugins left running by a killed `pulumi`.
 *
 * The CLI starts its plugins in process groups of their own, so killing the
 * CLI's group does not reach them, and after a `kill -9` of the CLI they are
 * re-parented to init and keep their ports and files open. Every CLI call the
 * driver makes carries environment variables, inherited by everything the CLI
 * starts: the stack it drives, the scope of that stack name (the project and the
 * backend: two projects on one host may both have a `prod.pro`) and an id of the call. A call whose `pulumi`
 * process is gone but whose other processes still run left orphans: they are
 * killed before the stack is driven again. Linux only (it reads /proc);
 * elsewhere the sweep finds nothing.
 */
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";

export const STACK_TAG = "COHORT_ROLLOUT_STACK";
/** Which project and backend the stack name belongs to (orphanScope). */
export const SCOPE_TAG = "COHORT_ROLLOUT_SCOPE";
export const CALL_TAG = "COHORT_ROLLOUT_CALL";
/** The pid of the process that started the call (the controller). */
export const CALLER_TAG = "COHORT_ROLLOUT_CALLER";

/**
 * What makes a stack name unique on this host: the project and the backend the CLI call
 * uses (PULUMI_BACKEND_URL of the call, else of this process; empty: the CLI's login).
 * @param project the Pulumi project name
 * @param env the call's extra environment
 */
export function orphanScope(project: string, env: Record<string, string> | undefined): string {
  return `${project}@${env?.PULUMI_BACKEND_URL ?? process.env.PULUMI_BACKEND_URL ?? ""}`;
}

/** The environment that tags one CLI call on `stack` within `scope` (orphanScope). */
export function callTags(stack: string, scope: string): Record<string, string> {
  return {
    [STACK_TAG]: stack,
    [SCOPE_TAG]: scope,
    [CALL_TAG]: randomUUID(),
    [CALLER_TAG]: String(process.pid),
  };
}

interface TaggedProcess {
  pid: number;
  ppid: number;
  caller: number;
  call: string;
  /** The executable's short name (/proc/<pid>/comm, 15 characters at most). */
  comm: string;
}

function taggedProcesses(stack: string, scope: string, proc: string): TaggedProcess[] {
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
      if (!vars.includes(`${STACK_TAG}=${stack}`) || !vars.includes(`${SCOPE_TAG}=${scope}`))
        continue;
      const call = vars.find((v) => v.startsWith(`${CALL_TAG}=`))?.slice(CALL_TAG.length + 1);
      if (call === undefined) continue;
      const comm = readFileSync(`${proc}/${entry}/comm`, "utf8").trim();
      // /proc/<pid>/stat: "pid (comm) state ppid ...": comm may hold spaces, so split after ")".
      const stat = readFileSync(`${proc}/${entry}/stat`, "utf8");
      const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (state === "Z") continue; // a zombie holds nothing and cannot be killed
      const caller = Number(
        vars.find((v) => v.startsWith(`${CALLER_TAG}=`))?.slice(CALLER_TAG.length + 1),
      );
      found.push({ pid: Number(entry), ppid: Number(ppid), caller, call, comm });
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

/**
 * Kills the processes of every call on `stack` (within `scope`, see orphanScope) whose
 * `pulumi` is gone, and returns their pids. A call whose CLI still runs is never touched.
 */
export function killOrphans(stack: string, scope: string, proc = "/proc"): number[] {
  const byCall = new Map<string, TaggedProcess[]>();
  for (const p of taggedProcesses(stack, scope, proc)) {
    const list = byCall.get(p.call) ?? [];
    list.push(p);
    byCall.set(p.call, list);
  }
  const killed: number[] = [];
  for (const members of byCall.values()) {
    // Live: the CLI still runs (its own name), or the process the controller started is still
    // its child (a wrapper script, e.g. a version manager's shim). A CLI whose controller died
    // is left to finish: its lock is alive, and the run reports the stack locked until it ends.
    if (members.some((m) => m.comm === "pulumi" || m.ppid === m.caller)) continue;
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
