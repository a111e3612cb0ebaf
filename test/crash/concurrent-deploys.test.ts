/**
 * Two concurrent deploys on one environment, as two real CLI processes: the
 * first takes the environment's lease and drives the release to the end; the
 * second exits at once with 3 (needs a human), naming the holder, and writes
 * nothing to the ledger. Once for the file ledger and once for the DynamoDB
 * ledger (moto, conditional writes), with the stand-in `pulumi` and the
 * CloudWatch gate on moto as in crash.test.ts.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createLedgerTable,
  DynamoDbLedger,
} from "../../stacks/rollout/adapters/dynamodb-ledger.js";
import { awsTestClientConfig, ensureMoto, startMoto, type MotoServer } from "../support/moto.js";
import { CLI, COHORTS, GOOD, World, describeRun, pool, removeWorlds } from "./world.js";

const TABLE = "concurrent-deploys-ledger";
/** Longer bakes than the crash test's (the overlap itself is forced by a hold point). */
const SLOW = ["--bake-scale", "0.01", "--poll-interval", "100ms"];

const moto = await ensureMoto();
const cliReady = existsSync(CLI);

describe.skipIf(!moto.available || !cliReady)(
  `two concurrent deploys on one environment ${moto.reason ?? ""}`,
  () => {
    let aws: MotoServer;
    beforeAll(async () => {
      aws = await startMoto();
      await createLedgerTable(TABLE, awsTestClientConfig(aws.endpoint));
    });
    afterAll(async () => {
      await aws.stop();
      removeWorlds();
    });

    it("one proceeds to the end, the other exits 3 naming the holder (file and DynamoDB ledgers)", async () => {
      const kinds = ["file", "dynamodb"] as const;
      await pool(
        2,
        kinds.map((kind) => async () => {
          const w = new World(`concurrent-${kind}`, aws, []);
          await w.seed();
          const dynamo =
            kind === "dynamodb"
              ? new DynamoDbLedger({
                  ...awsTestClientConfig(aws.endpoint),
                  tableName: TABLE,
                  environment: "prod",
                })
              : undefined;
          if (dynamo) {
            w.ledgerArgs = [
              "--ledger",
              "dynamodb",
              "--ledger-table",
              TABLE,
              "--endpoint-url",
              aws.endpoint,
            ];
          }
          const leaseHolder = async (): Promise<string | undefined> => {
            if (dynamo) return (await dynamo.currentLease())?.owner;
            const lease = join(w.projectDir, ".rollout", "prod.ledger.jsonl.lease");
            return existsSync(lease) ? "someone" : undefined;
          };
          const events = async () =>
            dynamo ? (await dynamo.read()).map((r) => r.event) : w.ledger().map((l) => l.event);
          try {
            // Forced interleaving: the first deploy's first update waits at a hold point
            // until the second has tried and exited, however busy the machine is.
            w.hold("prod.free");
            const first = w.deploy(GOOD, undefined, SLOW);
            await w.reached("prod.free");
            expect(await leaseHolder()).toBeDefined();
            const before = (await events()).length;
            let second;
            try {
              second = await w.deploy({ ...GOOD, id: "r3", version: "3.0.0" }, undefined, SLOW);
            } finally {
              w.release("prod.free");
            }
            expect(second.code, describeRun(second)).toBe(3);
            expect(second.stderr).toMatch(
              /environment prod is being driven by deploy@\S+ \(lease until /,
            );
            const winner = await first;
            expect(winner.code, describeRun(winner)).toBe(0);
            const recorded = (await events()) as { type: string; release: string }[];
            // The second deploy wrote nothing: every event is the first one's release.
            expect(recorded.length).toBeGreaterThan(before);
            expect(new Set(recorded.map((e) => e.release))).toEqual(new Set([GOOD.id]));
            expect(recorded.at(-1)?.type).toBe("completed");
            for (const c of COHORTS) expect(w.pin(c).version).toBe(GOOD.version);
            // The lease is released at the end: the next deploy may go.
            expect(await leaseHolder()).toBeUndefined();
          } finally {
            dynamo?.close();
          }
        }),
      );
    }, 180_000);
  },
);
