/**
 * Ledger over DynamoDB, for teams that share rollouts across machines.
 *
 * One table for every environment: partition key `environment` (S), sort key
 * `seq` (N). Events are items with seq >= 1, stored as a JSON string (what
 * was appended is exactly what is read back). The lease is the item at
 * seq = 0 with `owner`, `expiresAt` (epoch ms) and `epoch` (the fencing
 * token, incremented on every acquisition or takeover), changed only by
 * conditional writes. A release removes the owner and keeps the item, so an
 * epoch is never given out twice.
 *
 * A fenced append (one made under a lease) is a single TransactWriteItems:
 * the Put, the check of N-1, and a ConditionCheck that the lease item still
 * names the fence's owner and epoch; a holder that paused past its expiry
 * while another took over is refused by DynamoDB itself, with no window
 * between a read and the write.
 *
 * An append of seq N is one transaction: Put (environment, N) on condition
 * attribute_not_exists(seq), plus a condition check that N-1 exists; so two
 * writers can never both write N, and no writer can leave a gap. Lease
 * expiry compares writers' clocks: keep them NTP-synced and the TTL well
 * above the skew.
 *
 * An append is idempotent: each carries a fresh `writeId` stored with the
 * item. When a write's outcome is unknown (its response was lost and the SDK
 * retried it into ConditionalCheckFailed, or it timed out), the item at N is
 * read back: our writeId means our write landed. A LedgerConflictError means
 * exactly that another event holds N or N-1 is missing; a transaction
 * cancelled for another reason (TransactionConflict, throttling) is retried,
 * and any other failure is rethrown as itself, never as a conflict.
 */
import { randomUUID } from "node:crypto";
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  TransactionCanceledException,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import {
  LedgerConflictError,
  type Lease,
  type LeaseFence,
  LeaseLostError,
  type Ledger,
  type LedgerRecord,
} from "../core/ports.js";
import { awsClientSettings, type AwsAdapterOptions } from "./aws-client-config.js";

/** The lease item's sort key; events start at 1 (a train's snapshot is at -1: train-dynamodb-store.ts). */
const LEASE_SEQ = 0;

/** Attempts of one append whose transaction DynamoDB cancelled without a condition failing. */
const CANCELLED_ATTEMPTS = 5;

export interface DynamoDbLedgerOptions extends AwsAdapterOptions {
  tableName: string;
  /** The environment whose ledger this is (the partition key). */
  environment: string;
  /** Time source for record timestamps and lease expiry. */
  now?: () => number;
  /** Use this client instead of building one. */
  client?: DynamoDBClient;
}

interface EventItem {
  environment: string;
  seq: number;
  at: number;
  event: string;
  /** Identifies the append that wrote the item (absent on items written before it existed). */
  writeId?: string;
}

interface LeaseItem {
  environment: string;
  seq: number;
  /** Absent once released (the item stays, keeping its epoch). */
  owner?: string;
  expiresAt: number;
  epoch?: number;
}

export class DynamoDbLedger<E = unknown> implements Ledger<E> {
  /** The client, table and partition: a train's snapshot item lives beside the events. */
  readonly client: DynamoDBClient;
  private readonly doc: DynamoDBDocumentClient;
  readonly table: string;
  readonly environment: string;
  private readonly now: () => number;

  constructor(options: DynamoDbLedgerOptions) {
    this.client = options.client ?? new DynamoDBClient(awsClientSettings(options));
    this.doc = DynamoDBDocumentClient.from(this.client);
    this.table = options.tableName;
    this.environment = options.environment;
    this.now = options.now ?? Date.now;
  }

  async read(): Promise<LedgerRecord<E>[]> {
    return this.readAfter(0);
  }

  /** The records after `seq`: a range query, so a train's step reads only what is new. */
  async readAfter(seq: number): Promise<LedgerRecord<E>[]> {
    const records: LedgerRecord<E>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          ...this.eventsQuery(Math.max(1, seq + 1)),
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of (page.Items ?? []) as EventItem[]) records.push(this.toRecord(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return records;
  }

  async append(event: E, expectedSeq: number, fence?: LeaseFence): Promise<LedgerRecord<E>> {
    if (!Number.isInteger(expectedSeq) || expectedSeq < 1) {
      throw new LedgerConflictError(expectedSeq, await this.nextSeq());
    }
    const item: EventItem = {
      environment: this.environment,
      seq: expectedSeq,
      at: this.now(),
      event: JSON.stringify(event),
      writeId: randomUUID(),
    };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.write(item, fence);
        return this.toRecord(item);
      } catch (error) {
        const verdict = await this.afterFailedWrite(item, error, fence !== undefined);
        if (verdict === "landed") return this.toRecord(item);
        if (verdict === "lease-lost" && fence) {
          const holder = await this.currentLease();
          throw new LeaseLostError(
            fence,
            holder
              ? {
                  owner: holder.owner,
                  ...(holder.epoch !== undefined ? { epoch: holder.epoch } : {}),
                }
              : undefined,
          );
        }
        if (verdict === "conflict") {
          throw new LedgerConflictError(expectedSeq, await this.nextSeq());
        }
        if (verdict === "cancelled" && attempt < CANCELLED_ATTEMPTS) {
          // Another transaction held an item we touch; it is not a conflict of sequence
          // numbers: back off a little (jittered) and write again.
          await new Promise((r) => setTimeout(r, 20 * attempt + Math.random() * 50));
          continue;
        }
        throw error;
      }
    }
  }

  /**
   * Put seq N, on condition that N is free and (N > 1) that N-1 exists, and (with a fence)
   * that the lease item still names the fence's owner and epoch — all in one transaction.
   * The lease check, when there is one, is always the transaction's first item
   * (afterFailedWrite reads its cancellation reason by that position).
   */
  private async write(item: EventItem, fence?: LeaseFence): Promise<void> {
    const put = {
      TableName: this.table,
      Item: item,
      ConditionExpression: "attribute_not_exists(#seq)",
      ExpressionAttributeNames: { "#seq": "seq" },
    };
    if (item.seq === 1 && !fence) {
      await this.doc.send(new PutCommand(put));
      return;
    }
    const checks = [];
    if (fence)
      checks.push({
        ConditionCheck: {
          TableName: this.table,
          Key: { environment: this.environment, seq: LEASE_SEQ },
          ConditionExpression: "#owner = :owner AND #epoch = :epoch",
          ExpressionAttributeNames: { "#owner": "owner", "#epoch": "epoch" },
          ExpressionAttributeValues: { ":owner": fence.owner, ":epoch": fence.epoch },
        },
      });
    if (item.seq > 1)
      checks.push({
        ConditionCheck: {
          TableName: this.table,
          Key: { environment: this.environment, seq: item.seq - 1 },
          ConditionExpression: "attribute_exists(#seq)",
          ExpressionAttributeNames: { "#seq": "seq" },
        },
      });
    await this.doc.send(new TransactWriteCommand({ TransactItems: [...checks, { Put: put }] }));
  }

  /**
   * What a failed write means. The item at N is read back whatever the error: a write
   * whose response was lost may have landed (its SDK retry then fails its own condition).
   *  - landed: the item at N is ours;
   *  - lease-lost: (fenced) the lease item's check failed: nothing was written;
   *  - conflict: another event holds N, or a condition failed (N-1 missing);
   *  - cancelled: the transaction was cancelled without a failed condition (retry);
   *  - unknown: any other failure, rethrown as it is.
   */
  private async afterFailedWrite(
    item: EventItem,
    error: unknown,
    fenced: boolean,
  ): Promise<"landed" | "lease-lost" | "conflict" | "cancelled" | "unknown"> {
    let stored: EventItem | undefined;
    try {
      stored = await this.itemAt(item.seq);
    } catch {
      // The read-back failed too: the write's outcome is unknown, so report its own error.
      return "unknown";
    }
    if (stored?.writeId === item.writeId) return "landed";
    if (error instanceof TransactionCanceledException) {
      const reasons = error.CancellationReasons ?? [];
      // The lease is checked first: a fenced-out writer must stop, not retry at the next seq.
      if (fenced && reasons[0]?.Code === "ConditionalCheckFailed") return "lease-lost";
    }
    if (stored) return "conflict";
    if (error instanceof ConditionalCheckFailedException) return "conflict";
    if (error instanceof TransactionCanceledException) {
      const reasons = error.CancellationReasons ?? [];
      return reasons.some((r) => r.Code === "ConditionalCheckFailed") ? "conflict" : "cancelled";
    }
    return "unknown";
  }

  /** The event item at `seq`, read consistently, or undefined. */
  private async itemAt(seq: number): Promise<EventItem | undefined> {
    const result = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { environment: this.environment, seq },
        ConsistentRead: true,
      }),
    );
    return result.Item as EventItem | undefined;
  }

  async acquireLease(owner: string, ttlMs: number): Promise<{ acquired: boolean; lease: Lease }> {
    const now = this.now();
    const expiresAt = now + ttlMs;
    try {
      const res = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { environment: this.environment, seq: LEASE_SEQ },
          // A new epoch on every acquisition: appends fenced by an older one are refused.
          UpdateExpression: "SET #owner = :owner, #exp = :exp ADD #epoch :one",
          // Free, released, already ours, or expired: only then may it be (re)written.
          ConditionExpression:
            "attribute_not_exists(#seq) OR attribute_not_exists(#owner) OR #owner = :owner OR #exp < :now",
          ExpressionAttributeNames: {
            "#seq": "seq",
            "#owner": "owner",
            "#exp": "expiresAt",
            "#epoch": "epoch",
          },
          ExpressionAttributeValues: { ":owner": owner, ":now": now, ":exp": expiresAt, ":one": 1 },
          ReturnValues: "ALL_NEW",
        }),
      );
      const epoch = (res.Attributes as LeaseItem | undefined)?.epoch;
      return {
        acquired: true,
        lease: { owner, expiresAt, ...(epoch !== undefined ? { epoch } : {}) },
      };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const holder = await this.currentLease();
    // It was released between the failed write and this read: try once more.
    if (!holder) return this.acquireLease(owner, ttlMs);
    return { acquired: false, lease: holder };
  }

  async renewLease(owner: string, ttlMs: number, epoch?: number): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { environment: this.environment, seq: LEASE_SEQ },
          UpdateExpression: "SET #exp = :exp",
          ConditionExpression:
            epoch === undefined ? "#owner = :owner" : "#owner = :owner AND #epoch = :epoch",
          ExpressionAttributeNames: {
            "#owner": "owner",
            "#exp": "expiresAt",
            ...(epoch === undefined ? {} : { "#epoch": "epoch" }),
          },
          ExpressionAttributeValues: {
            ":owner": owner,
            ":exp": this.now() + ttlMs,
            ...(epoch === undefined ? {} : { ":epoch": epoch }),
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async releaseLease(owner: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { environment: this.environment, seq: LEASE_SEQ },
          // The item stays with its epoch, so the next acquisition's epoch is higher still.
          UpdateExpression: "REMOVE #owner SET #exp = :zero",
          ConditionExpression: "#owner = :owner",
          ExpressionAttributeNames: { "#owner": "owner", "#exp": "expiresAt" },
          ExpressionAttributeValues: { ":owner": owner, ":zero": 0 },
        }),
      );
    } catch (error) {
      // Someone else holds it (ours expired and was taken over): nothing to release.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** The lease as stored, or undefined when nobody holds it. */
  async currentLease(): Promise<Lease | undefined> {
    const result = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { environment: this.environment, seq: LEASE_SEQ },
        ConsistentRead: true,
      }),
    );
    const item = result.Item as LeaseItem | undefined;
    if (item?.owner === undefined) return undefined;
    return {
      owner: item.owner,
      expiresAt: item.expiresAt,
      ...(item.epoch !== undefined ? { epoch: item.epoch } : {}),
    };
  }

  close(): void {
    this.client.destroy();
  }

  /** The environment's events from `first` (seq >= 1; seq 0 is the lease), read consistently. */
  private eventsQuery(first = 1) {
    return {
      TableName: this.table,
      KeyConditionExpression: "#env = :env AND #seq >= :first",
      ExpressionAttributeNames: { "#env": "environment", "#seq": "seq" },
      ExpressionAttributeValues: { ":env": this.environment, ":first": first },
      ConsistentRead: true,
    };
  }

  private async nextSeq(): Promise<number> {
    const result = await this.doc.send(
      new QueryCommand({ ...this.eventsQuery(), ScanIndexForward: false, Limit: 1 }),
    );
    const last = (result.Items?.[0] as EventItem | undefined)?.seq ?? 0;
    return last + 1;
  }

  private toRecord(item: EventItem): LedgerRecord<E> {
    let event: E;
    try {
      event = JSON.parse(item.event) as E;
    } catch {
      throw new Error(
        `ledger ${this.table}/${this.environment}#${String(item.seq)}: event is not JSON; inspect the item in DynamoDB`,
      );
    }
    return { seq: item.seq, at: item.at, event };
  }
}

/**
 * Create the ledger table (on-demand billing) and wait until it is ACTIVE.
 * Idempotent: an existing table is left as it is.
 */
export async function createLedgerTable(
  tableName: string,
  options: AwsAdapterOptions & { client?: DynamoDBClient; maxWaitSeconds?: number } = {},
): Promise<void> {
  const client = options.client ?? new DynamoDBClient(awsClientSettings(options));
  try {
    try {
      await client.send(
        new CreateTableCommand({
          TableName: tableName,
          KeySchema: [
            { AttributeName: "environment", KeyType: "HASH" },
            { AttributeName: "seq", KeyType: "RANGE" },
          ],
          AttributeDefinitions: [
            { AttributeName: "environment", AttributeType: "S" },
            { AttributeName: "seq", AttributeType: "N" },
          ],
          BillingMode: "PAY_PER_REQUEST",
        }),
      );
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    await waitUntilTableExists(
      { client, maxWaitTime: options.maxWaitSeconds ?? 120, minDelay: 1 },
      { TableName: tableName },
    );
  } finally {
    if (!options.client) client.destroy();
  }
}
