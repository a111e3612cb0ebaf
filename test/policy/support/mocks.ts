import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";

/**
 * Mocks that answer like a provider would: physical names, ids and ARNs shaped like the real
 * ones (so rules that parse ARNs see realistic values) and unique per resource (so the graph's
 * value matching is exercised, not bypassed). In preview the mock returns only the inputs: every
 * computed output stays unknown, exactly as in `pulumi preview` for a new resource.
 */
const ACCOUNT = "123456789012";
const REGION = "us-east-1";

function suffix(name: string): string {
  return createHash("sha256").update(name).digest("hex").slice(0, 7);
}

/** `aws:dynamodb/table:Table` -> ["dynamodb", "table"]. */
function serviceAndKind(type: string): [string, string] {
  const [, module = "", cls = ""] = type.split(":");
  return [module.split("/")[0] ?? "", (module.split("/")[1] ?? cls).toLowerCase()];
}

function physicalName(args: pulumi.runtime.MockResourceArgs): string {
  const inputs = args.inputs as Record<string, unknown>;
  for (const key of ["name", "bucket", "functionName", "family", "alarmName"]) {
    if (typeof inputs[key] === "string") return inputs[key];
  }
  return `${args.name}-${suffix(args.type + args.name)}`;
}

function awsOutputs(args: pulumi.runtime.MockResourceArgs): Record<string, unknown> {
  const [service, kind] = serviceAndKind(args.type);
  const name = physicalName(args);
  const out: Record<string, unknown> = { name };
  switch (service) {
    case "s3":
      out["bucket"] = name;
      out["arn"] = `arn:aws:s3:::${name}`;
      break;
    case "iam":
      out["arn"] =
        `arn:aws:iam::${ACCOUNT}:${kind === "rolepolicy" ? "role-policy" : kind}/${name}`;
      break;
    case "kms":
      out["arn"] = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${suffix(name)}-${name}`;
      out["keyId"] = `${suffix(name)}-${name}`;
      break;
    case "lb":
    case "alb": {
      const tail = `${name}/${suffix(name)}`;
      const arnKind =
        kind === "loadbalancer"
          ? "loadbalancer/app"
          : kind === "targetgroup"
            ? "targetgroup"
            : kind;
      out["arn"] = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:${arnKind}/${tail}`;
      out["arnSuffix"] = `${arnKind}/${tail}`;
      if (kind === "loadbalancer")
        out["dnsName"] = `${name}-${suffix(name)}.${REGION}.elb.amazonaws.com`;
      break;
    }
    case "ecs":
      out["arn"] =
        `arn:aws:ecs:${REGION}:${ACCOUNT}:${kind === "taskdefinition" ? "task-definition" : kind}/${name}${kind === "taskdefinition" ? ":1" : ""}`;
      break;
    default:
      out["arn"] = `arn:aws:${service}:${REGION}:${ACCOUNT}:${kind}/${name}`;
  }
  return out;
}

/** What the provider's getPolicyDocument answers: the statements rendered as IAM JSON. */
function policyDocument(inputs: Record<string, unknown>): Record<string, unknown> {
  const list = (v: unknown): string[] | undefined =>
    Array.isArray(v) ? (v as string[]) : undefined;
  const statements = (Array.isArray(inputs["statements"]) ? inputs["statements"] : []).map(
    (raw) => {
      const s = raw as Record<string, unknown>;
      const principals = Array.isArray(s["principals"])
        ? Object.fromEntries(
            (s["principals"] as Record<string, unknown>[]).map((p) => [
              String(p["type"]),
              p["identifiers"],
            ]),
          )
        : undefined;
      return Object.fromEntries(
        Object.entries({
          Sid: s["sid"],
          Effect: typeof s["effect"] === "string" ? s["effect"] : "Allow",
          Action: list(s["actions"]),
          NotAction: list(s["notActions"]),
          Resource: list(s["resources"]),
          NotResource: list(s["notResources"]),
          Principal: principals,
        }).filter(([, v]) => v !== undefined),
      );
    },
  );
  const doc = { Version: "2012-10-17", Statement: statements };
  return {
    id: "policy-document",
    json: JSON.stringify(doc, null, 2),
    minifiedJson: JSON.stringify(doc),
  };
}

export function realisticMocks(
  preview: boolean,
  stackOutputs: Record<string, Record<string, unknown>> = {},
): pulumi.runtime.Mocks {
  return {
    newResource: (args) => {
      const inputs = args.inputs as Record<string, unknown>;
      if (args.type === "pulumi:pulumi:StackReference") {
        const ref = typeof inputs["name"] === "string" ? inputs["name"] : args.name;
        const outputs = stackOutputs[ref];
        if (outputs === undefined)
          throw new Error(`no outputs recorded for stack reference ${ref}`);
        return { id: ref, state: { name: ref, outputs, secretOutputNames: [] } };
      }
      if (preview) return { id: undefined, state: { ...inputs } };
      const computed = args.type.startsWith("aws:") ? awsOutputs(args) : {};
      const id =
        typeof computed["name"] === "string"
          ? computed["name"]
          : `${args.name}-${suffix(args.name)}`;
      return { id, state: { ...computed, ...inputs } };
    },
    call: (args) => {
      if (args.token === "aws:index/getCallerIdentity:getCallerIdentity") {
        return { accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:root`, userId: "mock" };
      }
      if (args.token === "aws:index/getRegion:getRegion") return { name: REGION, region: REGION };
      if (args.token === "aws:index/getPartition:getPartition")
        return { partition: "aws", dnsSuffix: "amazonaws.com" };
      if (args.token === "aws:iam/getPolicyDocument:getPolicyDocument")
        return policyDocument(args.inputs as Record<string, unknown>);
      return { ...(args.inputs as Record<string, unknown>) };
    },
  };
}
