import { asArray, asRecord } from "./cohort-of.js";
import { stringsIn } from "./graph.js";
import { isUnknown } from "./unknowns.js";

/** One IAM statement, normalised: single values become lists, `Not*` forms are flagged. */
export interface Statement {
  allow: boolean;
  actions: string[];
  notAction: boolean;
  resources: string[];
  notResource: boolean;
  /** Every string of Principal and Condition: role ARNs the statement admits or requires. */
  principalStrings: string[];
  /** `Principal: "*"` (or `{ AWS: "*" }`): any identity of any account, every cohort's roles included. */
  anyPrincipal: boolean;
  /** The statement has a non-empty Condition (which may narrow an `*` principal). */
  conditional: boolean;
}

export type ParsedDocument =
  | { kind: "unknown" }
  | { kind: "invalid"; reason: string }
  | { kind: "ok"; statements: Statement[] };

function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return asArray(value).filter((v): v is string => typeof v === "string");
}

/** Parses a policy document given as JSON text or as an object (both are valid Pulumi inputs). */
export function parsePolicyDocument(value: unknown): ParsedDocument {
  if (value === undefined || value === null) return { kind: "ok", statements: [] };
  let doc: unknown = value;
  if (typeof value === "string") {
    if (isUnknown(value)) return { kind: "unknown" };
    try {
      doc = JSON.parse(value);
    } catch {
      return { kind: "invalid", reason: "policy is not valid JSON" };
    }
  }
  const record = asRecord(doc);
  if (!record) return { kind: "invalid", reason: "policy is not a JSON object" };
  const rawStatements = record["Statement"];
  if (isUnknown(rawStatements)) return { kind: "unknown" };
  const list = Array.isArray(rawStatements) ? rawStatements : [rawStatements];
  const statements: Statement[] = [];
  for (const s of list) {
    const st = asRecord(s);
    if (!st) continue;
    statements.push({
      allow: st["Effect"] !== "Deny",
      actions: strings(st["Action"] ?? st["NotAction"]),
      notAction: st["NotAction"] !== undefined,
      resources: strings(st["Resource"] ?? st["NotResource"]),
      notResource: st["NotResource"] !== undefined,
      principalStrings: [...stringsIn(st["Principal"]), ...stringsIn(st["Condition"])],
      anyPrincipal:
        st["Principal"] === "*" || strings(asRecord(st["Principal"])?.["AWS"]).includes("*"),
      conditional: Object.keys(asRecord(st["Condition"]) ?? {}).length > 0,
    });
  }
  return { kind: "ok", statements };
}

/** Services whose actions read or write a cohort's data. */
const DATA_SERVICES = new Set([
  "dynamodb",
  "s3",
  "kms",
  "rds-data",
  "rds-db",
  "elasticfilesystem",
  "elasticache",
  "secretsmanager",
  "ssm",
  "sqs",
  "dax",
]);

/** Account-level listing calls that only accept Resource "*" and expose no data. */
const ACCOUNT_LEVEL_ACTIONS = new Set([
  "s3:listallmybuckets",
  "dynamodb:listtables",
  "kms:listkeys",
  "kms:listaliases",
  "secretsmanager:listsecrets",
  "ssm:describeparameters",
  "sqs:listqueues",
]);

export function isDataPlaneAction(action: string): boolean {
  const lower = action.toLowerCase();
  if (lower === "*") return true;
  if (ACCOUNT_LEVEL_ACTIONS.has(lower)) return false;
  const service = lower.split(":")[0] ?? "";
  return DATA_SERVICES.has(service);
}

export function touchesDataPlane(statement: Statement): boolean {
  return statement.notAction || statement.actions.some(isDataPlaneAction);
}

/** AWS-managed policies that grant data-plane access to every table/bucket/key of the account. */
const BROAD_MANAGED_POLICY =
  /^arn:aws[a-z-]*:iam::aws:policy\/(AdministratorAccess|PowerUserAccess|AmazonDynamoDB(FullAccess|ReadOnlyAccess)|AmazonS3(FullAccess|ReadOnlyAccess)|AmazonRDSDataFullAccess|SecretsManagerReadWrite|AWSKeyManagementServicePowerUser)$/;

export function isBroadManagedPolicy(arn: unknown): arn is string {
  return typeof arn === "string" && BROAD_MANAGED_POLICY.test(arn);
}
