import type { EnforcementLevel } from "@pulumi/policy";
import { stackWireProps, wireProps } from "./graph-args.js";
import { analyzerPb, Struct, type AnalyzeResponse } from "./internals.js";
import type { RecordedResource } from "./recorder.js";
import { resourceNameOf, type Violation } from "./run-pack.js";

/**
 * The protobuf requests the Pulumi engine sends a policy pack (pulumi/proto/analyzer.proto), built
 * from a recorded graph: `AnalyzeRequest` per resource (its inputs) and one `AnalyzeStackRequest`
 * (every resource with parent, dependencies and propertyDependencies). Used both in-process (the
 * pack's own server functions) and over gRPC against the pack started the way the CLI starts it.
 */
type Message = Record<string, (...args: unknown[]) => unknown>;

function options(r: RecordedResource): Message {
  const opts = new analyzerPb.AnalyzerResourceOptions();
  opts["setProtect"]?.(false);
  opts["setParent"]?.(r.parent ?? "");
  return opts;
}

function analyzerResource(r: RecordedResource, preview: boolean): Message {
  const res = new analyzerPb.AnalyzerResource();
  res["setType"]?.(r.type);
  res["setUrn"]?.(r.urn);
  res["setName"]?.(r.name);
  res["setProperties"]?.(Struct.fromJavaScript(stackWireProps(r, preview)));
  res["setOptions"]?.(options(r));
  res["setParent"]?.(r.parent ?? "");
  res["setDependenciesList"]?.(r.dependencies);
  const map = res["getPropertydependenciesMap"]?.() as {
    set(key: string, value: unknown): void;
  };
  for (const [key, urns] of Object.entries(r.propertyDependencies)) {
    const deps = new analyzerPb.AnalyzerPropertyDependencies();
    deps["setUrnsList"]?.(urns);
    map.set(key, deps);
  }
  return res;
}

export function analyzeStackRequest(
  records: readonly RecordedResource[],
  preview: boolean,
): Message {
  const req = new analyzerPb.AnalyzeStackRequest();
  req["setResourcesList"]?.(records.map((r) => analyzerResource(r, preview)));
  return req;
}

export function analyzeRequest(r: RecordedResource): Message {
  const req = new analyzerPb.AnalyzeRequest();
  req["setType"]?.(r.type);
  req["setUrn"]?.(r.urn);
  req["setName"]?.(r.name);
  req["setProperties"]?.(Struct.fromJavaScript(wireProps(r.inputs) as Record<string, unknown>));
  req["setOptions"]?.(options(r));
  return req;
}

/** analyzer.proto's EnforcementLevel enum, by name. */
const LEVELS: EnforcementLevel[] = ["advisory", "mandatory", "disabled", "remediate"];

export interface Diagnostics {
  violations: Violation[];
  /** Diagnostics the server downgraded because a policy read an unknown value. */
  cantRun: string[];
}

/**
 * Diagnostics as the CLI would print them. The server prefixes each message with the policy's
 * description and a newline; the violation keeps only the rule's own message.
 */
export function readDiagnostics(responses: readonly AnalyzeResponse[]): Diagnostics {
  const violations: Violation[] = [];
  const cantRun: string[] = [];
  for (const response of responses) {
    for (const d of response.getDiagnosticsList()) {
      const full = d.getMessage();
      if (full.startsWith("can't run")) {
        cantRun.push(`${d.getPolicyname()}: ${full}`);
        continue;
      }
      const newline = full.indexOf("\n");
      const urn = d.getUrn() || undefined;
      violations.push({
        policy: d.getPolicyname(),
        level: LEVELS[d.getEnforcementlevel()] ?? "advisory",
        urn,
        resource: resourceNameOf(urn),
        message: newline >= 0 ? full.slice(newline + 1) : full,
      });
    }
  }
  return { violations, cantRun };
}

/** A `Configure` request: per-policy enforcement level and config properties, as the CLI sends. */
export function configureRequest(
  config: Record<
    string,
    { enforcementLevel: EnforcementLevel; properties?: Record<string, unknown> }
  >,
): Message {
  const req = new analyzerPb.ConfigureAnalyzerRequest();
  const map = req["getPolicyconfigMap"]?.() as { set(key: string, value: unknown): void };
  for (const [policy, { enforcementLevel, properties }] of Object.entries(config)) {
    const pc = new analyzerPb.PolicyConfig();
    pc["setEnforcementlevel"]?.(LEVELS.indexOf(enforcementLevel));
    pc["setProperties"]?.(Struct.fromJavaScript(properties ?? {}));
    map.set(policy, pc);
  }
  return req;
}
