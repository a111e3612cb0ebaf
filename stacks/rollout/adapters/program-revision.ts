/**
 * Which program revision an update was deployed from, and running an older
 * one. Every update the driver makes carries a marker in its `--message`
 * (`[cohort-rollout release=<id> revision=<sha>]`), so `stack history` shows
 * the revision even when the tree was dirty; the CLI's own `git.head`
 * environment entry is the fallback for updates made by hand.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

const MARKER = /\[cohort-rollout release=(\S*) revision=([0-9a-f]{7,64}|none)\]/;

export function updateMessage(releaseId: string, revision: string | undefined): string {
  return `[cohort-rollout release=${releaseId} revision=${revision ?? "none"}]`;
}

/** The release an update recorded in its marker, or undefined for an update made by hand. */
export function releaseOf(message: string | undefined): string | undefined {
  const match = message ? MARKER.exec(message) : null;
  return match?.[1] ? match[1] : undefined;
}

/** The revision an update recorded: our marker first, then the CLI's git.head. */
export function revisionOf(
  message: string | undefined,
  environment: Record<string, string> | undefined,
): string | undefined {
  const match = message ? MARKER.exec(message) : null;
  if (match && match[2] !== "none") return match[2];
  const head = environment?.["git.head"];
  return head && /^[0-9a-f]{7,64}$/.test(head) ? head : undefined;
}

/** A checkout of an older program revision; `dir` is the project dir inside it. */
export interface ProgramCheckout {
  dir: string;
  remove(): Promise<void>;
}

/** Git operations the driver needs; injectable for tests. */
export interface ProgramRevisions {
  /** The commit the project dir is at, or undefined when it is not a git checkout. */
  head(projectDir: string): Promise<string | undefined>;
  /** Check `revision` out beside the tree (a git worktree) and return its project dir. */
  checkout(projectDir: string, revision: string): Promise<ProgramCheckout>;
}

async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await run("git", ["-C", cwd, ...args], { maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

export const gitRevisions: ProgramRevisions = {
  async head(projectDir) {
    try {
      return await git(projectDir, ["rev-parse", "HEAD"]);
    } catch {
      return undefined;
    }
  },

  async checkout(projectDir, revision) {
    const root = await git(projectDir, ["rev-parse", "--show-toplevel"]);
    const where = await mkdtemp(join(tmpdir(), "cohort-rollout-rev-"));
    await git(root, ["worktree", "add", "--detach", where, revision]);
    // The old revision's program needs its dependencies; the current tree's are
    // the best available without a network install (documented limitation).
    const modules = join(root, "node_modules");
    if (existsSync(modules) && !existsSync(join(where, "node_modules"))) {
      await symlink(modules, join(where, "node_modules"), "dir");
    }
    return {
      dir: join(where, relative(root, projectDir)),
      async remove() {
        await git(root, ["worktree", "remove", "--force", where]).catch(() => undefined);
        await rm(where, { recursive: true, force: true });
      },
    };
  },
};
