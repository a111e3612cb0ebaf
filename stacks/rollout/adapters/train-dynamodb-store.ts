/**
 * The DynamoDB ledger's side of a train at scale: the train's snapshot is one item in the
 * ledger's own partition, at sort key -1 (events are >= 1, the lease is 0, so neither reads
 * nor appends ever see it). Its state is gzipped JSON in a binary attribute: a snapshot holds
 * only live releases (core/train/compaction.ts), and gzip keeps even a busy train's far under
 * DynamoDB's 400 KB item limit. A save only replaces an older snapshot (condition on its
 * sequence number), so a controller that lost the lease and saves late never moves it back.
 * With DynamoDbLedger.readAfter, a controller reads the snapshot and the events after it.
 */
import { gunzipSync, gzipSync } from "node:zlib";
import { ConditionalCheckFailedException, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import {
  SNAPSHOT_VERSION,
  type SnapshotStore,
  type TrainSnapshot,
} from "../core/train/compaction.js";

/** The snapshot item's sort key. */
export const SNAPSHOT_SEQ = -1;

/** DynamoDB's item limit is 400 KB; refuse well before it, with a message that says why. */
const MAX_BYTES = 350_000;

interface SnapshotItem {
  environment: string;
  seq: typeof SNAPSHOT_SEQ;
  /** The last ledger record the snapshot folds. */
  snapshotSeq: number;
  version: number;
  state: Uint8Array;
}

export interface DynamoDbSnapshotLocation {
  client: DynamoDBClient;
  table: string;
  environment: string;
}

export class DynamoDbSnapshotStore implements SnapshotStore {
  private readonly doc: DynamoDBDocumentClient;

  /**
   * @param where the ledger's client, table and environment (partition)
   * @param warn reports a snapshot too large to store (the controller then folds the tail)
   */
  constructor(
    private readonly where: DynamoDbSnapshotLocation,
    private readonly warn: (message: string) => void = (m) =>
      void process.stderr.write(`warning: ${m}\n`),
  ) {
    this.doc = DynamoDBDocumentClient.from(where.client);
  }

  /**
   * The store beside a DynamoDbLedger (same client, table and partition).
   * @param ledger the environment's ledger
   */
  static beside(ledger: DynamoDbSnapshotLocation): DynamoDbSnapshotStore {
    return new DynamoDbSnapshotStore({
      client: ledger.client,
      table: ledger.table,
      environment: ledger.environment,
    });
  }

  async load(): Promise<TrainSnapshot | undefined> {
    const res = await this.doc.send(
      new GetCommand({
        TableName: this.where.table,
        Key: { environment: this.where.environment, seq: SNAPSHOT_SEQ },
        ConsistentRead: true,
      }),
    );
    const item = res.Item as SnapshotItem | undefined;
    // Another version's snapshot is ignored: the whole ledger is folded (and a new one saved).
    if (!item || item.version !== SNAPSHOT_VERSION) return undefined;
    const state = JSON.parse(gunzipSync(item.state).toString("utf8")) as TrainSnapshot["state"];
    return { version: SNAPSHOT_VERSION, seq: item.snapshotSeq, state };
  }

  async save(snapshot: TrainSnapshot): Promise<void> {
    const state = gzipSync(JSON.stringify(snapshot.state));
    if (state.byteLength > MAX_BYTES) {
      this.warn(
        `train snapshot of ${this.where.environment} is ${String(state.byteLength)} bytes gzipped, over DynamoDB's item limit; not saved (the controller folds from the last one)`,
      );
      return;
    }
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.where.table,
          Item: {
            environment: this.where.environment,
            seq: SNAPSHOT_SEQ,
            snapshotSeq: snapshot.seq,
            version: snapshot.version,
            state,
          } satisfies SnapshotItem,
          ConditionExpression: "attribute_not_exists(#seq) OR #snap < :snap OR #v <> :v",
          ExpressionAttributeNames: { "#seq": "seq", "#snap": "snapshotSeq", "#v": "version" },
          ExpressionAttributeValues: { ":snap": snapshot.seq, ":v": snapshot.version },
        }),
      );
    } catch (err) {
      // A newer snapshot is already there: keep it.
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }
}
