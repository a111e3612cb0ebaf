import type { Policies } from "@pulumi/policy";
import { PACK_NAME, policies as packPolicies } from "../../../policies/shared-nothing/policies.js";
import {
  analyzeRequest,
  analyzeStackRequest,
  readDiagnostics,
  type Diagnostics,
} from "./analyzer-requests.js";
import { policyServer, type AnalyzeResponse, type RpcFun } from "./internals.js";
import type { RecordedResource } from "./recorder.js";

/**
 * Runs the pack through @pulumi/policy's own analyzer handlers (the functions its gRPC server
 * registers), in-process: real protobuf deserialisation, unknown-checking proxy, enforcement
 * levels, not-applicable and error handling. They read the pack config from the server's module
 * state, which only the `configure` RPC sets, so this path always runs with the default config;
 * configured runs go through run-pack.ts or the gRPC end-to-end test.
 */
function call(fn: RpcFun, request: unknown): Promise<AnalyzeResponse> {
  return new Promise((resolve, reject) => {
    fn({ request }, (err, response) => {
      if (err !== null && err !== undefined)
        reject(err instanceof Error ? err : new Error(JSON.stringify(err)));
      else if (response === undefined) reject(new Error("analyzer returned no response"));
      else resolve(response);
    }).catch(reject);
  });
}

export async function runPackThroughServer(
  records: readonly RecordedResource[],
  options: { preview?: boolean; policies?: Policies } = {},
): Promise<Diagnostics> {
  const policies = options.policies ?? packPolicies;
  const analyze = policyServer.makeAnalyzeRpcFun(PACK_NAME, "0.1.0", "mandatory", policies);
  const analyzeStack = policyServer.makeAnalyzeStackRpcFun(
    PACK_NAME,
    "0.1.0",
    "mandatory",
    policies,
  );
  const responses: AnalyzeResponse[] = [];
  for (const r of records) responses.push(await call(analyze, analyzeRequest(r)));
  responses.push(await call(analyzeStack, analyzeStackRequest(records, options.preview ?? false)));
  return readDiagnostics(responses);
}
