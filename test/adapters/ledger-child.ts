/**
 * A second process for the DynamoDB ledger tests (run with `node --import tsx`).
 *   ledger-child.ts acquire <endpoint> <table> <env> <owner> <ttlMs>
 *   ledger-child.ts deploy  <endpoint> <table> <env> <owner> <ttlMs>
 * `deploy` behaves like a runner's start: take the lease or stop; then read
 * and append two events at the next sequence numbers. Prints one JSON line.
 */
import { DynamoDbLedger } from "../../stacks/rollout/adapters/dynamodb-ledger.js";

const [mode, endpoint, tableName, environment, owner, ttl] = process.argv.slice(2);
if (!mode || !endpoint || !tableName || !environment || !owner || !ttl) {
  process.stderr.write(
    "usage: ledger-child.ts acquire|deploy <endpoint> <table> <env> <owner> <ttlMs>\n",
  );
  process.exit(2);
}

const ledger = new DynamoDbLedger({
  tableName,
  environment,
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  maxAttempts: 1,
});

async function main(): Promise<object> {
  const { acquired, lease } = await ledger.acquireLease(owner, Number(ttl));
  if (mode === "acquire" || !acquired) return { acquired, lease };
  const records = await ledger.read();
  let next = (records.at(-1)?.seq ?? 0) + 1;
  await ledger.append({ type: "deploy-started", owner }, next++);
  await ledger.append({ type: "wave-applied", owner }, next++);
  return { acquired, lease, appended: 2 };
}

main().then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    ledger.close();
  },
  (error: unknown) => {
    process.stdout.write(`${JSON.stringify({ error: String(error) })}\n`);
    ledger.close();
    process.exitCode = 1;
  },
);
