/**
 * The file ledger's tail reader: a fresh reader asked for the records after `seq` (a
 * controller starting from a snapshot) bisects the file to get near it, and returns exactly
 * what a whole-file read would — over ledgers with short lines, 100 KB lines (longer than its
 * read chunk) and a torn last line, for every kind of `seq` (0, inside, the last, past it).
 */
import { mkdtempSync, rmSync, writeFileSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { FileLedger } from "../../../stacks/rollout/adapters/ledger-file.js";
import { FileLedgerTail } from "../../../stacks/rollout/adapters/train-file-store.js";

const dir = mkdtempSync(join(tmpdir(), "tail-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("FileLedgerTail", () => {
  it("returns from any seq exactly what a whole-file read returns after it", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(10, 300, 100_000), { minLength: 1, maxLength: 400 }),
        fc.boolean(),
        fc.nat(),
        async (sizes, torn, pick) => {
          const path = join(dir, `l${String(++n)}.jsonl`);
          const lines = sizes.map(
            (len, i) =>
              JSON.stringify({ seq: i + 1, at: i, event: { pad: "x".repeat(len) } }) + "\n",
          );
          writeFileSync(path, lines.join(""));
          if (torn) appendFileSync(path, '{"seq":999,"at":1,"ev');
          const all = await new FileLedger(path, { warn: () => undefined }).read();
          for (const seq of [0, pick % (sizes.length + 2), sizes.length, sizes.length + 1]) {
            const tail = await new FileLedgerTail(path).readAfter(seq);
            expect(tail.map((r) => r.seq)).toEqual(
              all.filter((r) => r.seq > seq).map((r) => r.seq),
            );
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
