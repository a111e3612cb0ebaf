/**
 * Exclusive files for the file ledger: a lock file is created with O_EXCL
 * (only one creator wins) and records who holds it. A holder that is dead
 * (same host, pid gone) or expired can be taken over; the take-over renames
 * the stale file away first and checks it renamed what it read, so two
 * processes cannot both take over one stale lock.
 */
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import { hostname } from "node:os";

export interface HolderInfo {
  owner: string;
  pid: number;
  host: string;
  expiresAt: number;
  /** A lease's fencing token (ledger-file.ts); absent on append locks. */
  epoch?: number;
}

/**
 * Creates `path` with `content` only if it does not exist. `durable` fsyncs it: a lease
 * should survive a machine crash; a short append lock need not (its holder died with it).
 */
export async function createExclusive(
  path: string,
  content: string,
  durable = true,
): Promise<boolean> {
  let handle;
  try {
    handle = await fs.open(path, "wx");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
  try {
    await handle.writeFile(content);
    if (durable) await handle.sync();
  } finally {
    await handle.close();
  }
  return true;
}

export async function readHolder(
  path: string,
): Promise<{ raw: string; info?: HolderInfo } | undefined> {
  let raw: string;
  try {
    raw = await fs.readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  try {
    const parsed = JSON.parse(raw) as Partial<HolderInfo>;
    if (
      typeof parsed.owner === "string" &&
      typeof parsed.pid === "number" &&
      typeof parsed.expiresAt === "number"
    ) {
      return {
        raw,
        info: {
          owner: parsed.owner,
          pid: parsed.pid,
          host: String(parsed.host ?? ""),
          expiresAt: parsed.expiresAt,
          ...(typeof parsed.epoch === "number" ? { epoch: parsed.epoch } : {}),
        },
      };
    }
  } catch {
    // A half-written lock file (the writer died mid-write) counts as stale.
  }
  return { raw };
}

/** True when the holder is a process on this host that no longer exists. */
export function holderIsDead(info: HolderInfo): boolean {
  if (info.host !== hostname()) return false;
  if (info.pid === process.pid) return false;
  try {
    process.kill(info.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}

export function isStale(holder: { info?: HolderInfo }, now: number): boolean {
  if (!holder.info) return true;
  return holder.info.expiresAt <= now || holderIsDead(holder.info);
}

/** Removes a stale lock file if it still holds `expectedRaw`; returns whether it did. */
export async function removeStale(path: string, expectedRaw: string): Promise<boolean> {
  const aside = `${path}.stale-${randomBytes(6).toString("hex")}`;
  try {
    await fs.rename(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
  const moved = await fs.readFile(aside, "utf8");
  if (moved !== expectedRaw) {
    // Someone else took over in between and we moved THEIR fresh lock: put it back.
    try {
      await fs.link(aside, path);
    } catch {
      // A third process created one meanwhile; theirs stands.
    }
    await fs.unlink(aside);
    return false;
  }
  await fs.unlink(aside);
  return true;
}

/**
 * What a lock or lease file holds.
 * @param owner who holds it
 * @param expiresAt epoch ms after which it is stale
 * @param epoch a lease's fencing token
 */
export function holderContent(owner: string, expiresAt: number, epoch?: number): string {
  const info: HolderInfo = {
    owner,
    pid: process.pid,
    host: hostname(),
    expiresAt,
    ...(epoch !== undefined ? { epoch } : {}),
  };
  return JSON.stringify(info);
}

/** Runs `fn` while holding a short exclusive lock on `lockPath` (waits up to `timeoutMs`). */
export async function withLock<T>(
  lockPath: string,
  fn: () => Promise<T>,
  timeoutMs = 10_000,
): Promise<T> {
  const owner = `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  const started = Date.now();
  for (;;) {
    // Short locks expire after 30 s even if the holder lives: appends take milliseconds.
    if (await createExclusive(lockPath, holderContent(owner, Date.now() + 30_000), false)) break;
    const holder = await readHolder(lockPath);
    if (holder && isStale(holder, Date.now())) {
      await removeStale(lockPath, holder.raw);
      continue;
    }
    if (Date.now() - started > timeoutMs) {
      throw new Error(
        `could not lock ${lockPath} within ${timeoutMs} ms (held by ${holder?.info?.owner ?? "unknown"})`,
      );
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  try {
    return await fn();
  } finally {
    await fs.unlink(lockPath).catch(() => undefined);
  }
}
