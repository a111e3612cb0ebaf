/**
 * The CLI's process-level guards: the environment lease (refused with the
 * holder named, renewed, and a lost lease stops the run) and the crash hook
 * (kills exactly after the n-th durable append, never on a refused one).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CliError, takeLease } from "../../stacks/rollout/cli/commands/context.js";
import { crashAfterAppends } from "../../stacks/rollout/adapters/crash-hook.js";
import { FileLedger } from "../../stacks/rollout/adapters/ledger-file.js";
import { LedgerConflictError } from "../../stacks/rollout/core/ports.js";

const fileLedger = () => new FileLedger(join(mkdtempSync(join(tmpdir(), "session-")), "l.jsonl"));

describe("the environment lease", () => {
  it("a second taker gets exit 3 naming the holder; after release it is free", async () => {
    const ledger = fileLedger();
    const first = await takeLease(ledger, "prod", "deploy");
    const err = await takeLease(ledger, "prod", "resume").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(3);
    expect((err as CliError).message).toContain(
      `environment prod is being driven by ${first.owner}`,
    );
    await first.release();
    const second = await takeLease(ledger, "prod", "resume");
    await second.release();
  });

  it("renews while held, and signals `lost` when a renewal is refused (taken over)", async () => {
    const ledger = fileLedger();
    let renewals = 0;
    let refuse = false;
    const watched = Object.assign(Object.create(ledger) as FileLedger, {
      renewLease: async (owner: string, ttl: number) => {
        renewals++;
        return refuse ? false : ledger.renewLease(owner, ttl);
      },
    });
    const lease = await takeLease(watched, "prod", "deploy", 300);
    await new Promise((r) => setTimeout(r, 250));
    expect(renewals).toBeGreaterThanOrEqual(1);
    expect(lease.lost.aborted).toBe(false);
    refuse = true;
    await new Promise((r) => setTimeout(r, 250));
    expect(lease.lost.aborted).toBe(true);
    expect(String((lease.lost.reason as Error).message)).toContain("lost the lease on prod");
    await lease.release();
  });
});

describe("the crash hook", () => {
  it("kills right after the n-th successful append, and only then", async () => {
    const ledger = fileLedger();
    const kills: number[] = [];
    const hooked = crashAfterAppends(ledger, 2, () => kills.push(Date.now()));
    await hooked.append({ n: 1 }, 1);
    expect(kills).toHaveLength(0);
    // A refused append is not durable: it does not count.
    await expect(hooked.append({ stale: true }, 1)).rejects.toBeInstanceOf(LedgerConflictError);
    expect(kills).toHaveLength(0);
    await hooked.append({ n: 2 }, 2);
    expect(kills).toHaveLength(1);
    // The record was durable before the kill.
    expect((await ledger.read()).map((r) => r.event)).toEqual([{ n: 1 }, { n: 2 }]);
    await hooked.append({ n: 3 }, 3);
    expect(kills).toHaveLength(1);
  });
});
