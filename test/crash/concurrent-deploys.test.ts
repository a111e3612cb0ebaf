/**
 * Two deploys at once on one environment, as two `cohort-rollout` processes on
 * the REAL Pulumi engine (file backend, the provider-free cohort program, its
 * alarms in moto): the first takes the environment's lease and drives the
 * release to the end; the second exits 3 at once, naming the holder, writes
 * nothing to the ledger and leaves the first's stack lock alone (a live
 * controller's lock is never cleared). Once for the file ledger and once for
 * the DynamoDB ledger (moto, conditional writes).
 *
 * The overlap is forced: the first deploy's update waits at the program's
 * hold point until the second has tried and exited, however busy the machine.
 */
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createLedgerTable,
  DynamoDbLedger,
} from "../../stacks/rollout/adapters/dynamodb-ledger.js";
import { pulumiEngineFor } from "../support/engine.js";
import { EngineProject } from "../support/engine-project.js";
import {
  CHAIN_TIMEOUT_MS,
  EngineWorld,
  GOOD,
  SEED_TIMEOUT_MS,
  describeRun,
} from "../support/engine-world.js";
import { awsTestClientConfig, ensureMoto, sharedMoto } from "../support/moto.js";

const TABLE = "concurrent-deploys-ledger";

const engine = pulumiEngineFor("concurrent deploys on the real engine");
const moto = await ensureMoto();

describe.skipIf(!engine || !moto.available)(
  `two concurrent deploys on one environment, real Pulumi engine ${engine?.version ?? ""} ${moto.reason ?? ""}`,
  () => {
    let template: EngineWorld;
    beforeAll(async () => {
      // One cohort is enough: the second deploy is refused before it touches any stack.
      template = await EngineWorld.seed(engine!, (await sharedMoto()).endpoint, "concurrent", [
        "free",
      ]);
    }, SEED_TIMEOUT_MS);
    afterAll(() => EngineProject.cleanUp());

    // Each ledger in a world of its own, side by side.
    it.concurrent.each(["file", "dynamodb"] as const)(
      "%s ledger: one proceeds to the end, the other exits 3 naming the holder",
      async (kind) => {
        const aws = (await sharedMoto()).endpoint;
        const w = await template.clone(`concurrent-${kind}`, aws);
        let dynamo: DynamoDbLedger | undefined;
        if (kind === "dynamodb") {
          await createLedgerTable(TABLE, awsTestClientConfig(aws));
          dynamo = new DynamoDbLedger({
            ...awsTestClientConfig(aws),
            tableName: TABLE,
            environment: "prod",
          });
          w.ledgerArgs = ["--ledger", "dynamodb", "--ledger-table", TABLE, "--endpoint-url", aws];
        }
        const leaseHolder = async (): Promise<string | undefined> => {
          if (dynamo) return (await dynamo.currentLease())?.owner;
          return existsSync(`${w.ledgerPath()}.lease`) ? "someone" : undefined;
        };
        const events = async () =>
          dynamo ? (await dynamo.read()).map((r) => r.event) : w.ledger().map((l) => l.event);
        try {
          w.hold("prod.free");
          const first = w.deploy(GOOD);
          let second;
          try {
            await w.reached("prod.free");
            expect(await leaseHolder()).toBeDefined();
            const locked = w.project.locks("prod.free");
            expect(locked).toHaveLength(1);
            const before = (await events()).length;
            second = await w.deploy({ ...GOOD, id: "r3", version: "3.0.0" });
            expect((await events()).length).toBe(before);
            // The first's `pulumi up` holds its lock: the second never touched it.
            expect(w.project.locks("prod.free")).toEqual(locked);
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
          expect(new Set(recorded.map((e) => e.release))).toEqual(new Set([GOOD.id]));
          expect(recorded.at(-1)?.type).toBe("completed");
          expect(w.pin("free").version).toBe(GOOD.version);
          expect(w.deployedVersion("free")).toBe(GOOD.version);
          expect(await leaseHolder()).toBeUndefined();
          expect(w.locks()).toEqual([]);
          expect(w.leftovers()).toEqual([]);
        } finally {
          dynamo?.close();
        }
      },
      CHAIN_TIMEOUT_MS,
    );
  },
);
