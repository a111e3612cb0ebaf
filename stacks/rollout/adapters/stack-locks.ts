/**
 * Who holds a stack's lock, on backends where that can be read.
 *
 * A `pulumi` killed mid-update leaves its lock: the next update fails with
 * `the stack is currently locked by 1 lock(s)` until `pulumi cancel`. The lock
 * may be cleared only when its holder is proven dead — never a live
 * controller's or a colleague's `pulumi up`. The file backend stores each lock
 * as `.pulumi/locks/<org>/<project>/<stack>/<id>.json` with the holder's pid
 * and host: a lock taken on this host by a pid that no longer runs is dead.
 * Anything else (another host, S3/GCS/Azure, Pulumi Cloud) cannot be proven
 * dead from here: the run stops with the command for a human to run.
 */
import { readdirSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export interface LockHolder {
  pid: number;
  hostname: string;
  timestamp?: string;
}

export type LockVerdict =
  | { kind: "none" }
  | { kind: "dead"; holders: LockHolder[] }
  | { kind: "alive" | "unknown"; reason: string };

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The lock files of a stack on a file backend, or undefined for other backends. */
export function readFileBackendLocks(
  backendUrl: string | undefined,
  project: string,
  stack: string,
): LockHolder[] | undefined {
  if (backendUrl === undefined || !backendUrl.startsWith("file://")) return undefined;
  let root: string;
  try {
    root = fileURLToPath(backendUrl.replace(/\?.*$/, ""));
  } catch {
    return undefined; // not a local path (file://host/...): cannot be read from here
  }
  const parts = stack.split("/");
  const [org, proj, name] =
    parts.length === 3 ? parts : ["organization", project, parts[parts.length - 1] ?? stack];
  const dir = join(root, ".pulumi", "locks", org ?? "organization", proj ?? project, name ?? stack);
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".json"));
  } catch {
    return [];
  }
  const holders: LockHolder[] = [];
  for (const file of files) {
    try {
      holders.push(JSON.parse(readFileSync(join(dir, file), "utf8")) as LockHolder);
    } catch {
      // Removed meanwhile (its holder finished): not a lock any more.
    }
  }
  return holders;
}

/** Whether every holder of the stack's lock is proven dead. */
export function lockVerdict(
  backendUrl: string | undefined,
  project: string,
  stack: string,
): LockVerdict {
  const holders = readFileBackendLocks(backendUrl, project, stack);
  if (holders === undefined)
    return {
      kind: "unknown",
      reason: `the backend (${backendUrl ?? "default"}) does not say whether the lock's holder still runs`,
    };
  if (holders.length === 0) return { kind: "none" };
  const here = hostname();
  for (const h of holders) {
    if (h.hostname !== here)
      return {
        kind: "unknown",
        reason: `the lock was taken on host ${h.hostname} (pid ${String(h.pid)}); it cannot be checked from ${here}`,
      };
    if (isRunning(h.pid))
      return { kind: "alive", reason: `pid ${String(h.pid)} on this host still runs and holds it` };
  }
  return { kind: "dead", holders };
}
