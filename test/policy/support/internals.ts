import { createRequire } from "node:module";

/**
 * Internal modules of @pulumi/policy and @pulumi/pulumi the harness drives directly. They are
 * CommonJS without public typings (the .d.ts files are `export {}`), so they are loaded with
 * `require` and given the narrow structural types below. google-protobuf is resolved from
 * @pulumi/pulumi so Struct instances come from the same copy the generated protos use.
 */
const require = createRequire(import.meta.url);
const pulumiRequire = createRequire(require.resolve("@pulumi/pulumi/package.json"));

export interface Struct {
  toJavaScript(): Record<string, unknown>;
}
export const Struct = (
  pulumiRequire("google-protobuf/google/protobuf/struct_pb.js") as {
    Struct: { fromJavaScript(value: Record<string, unknown>): Struct };
  }
).Struct;

/** The generated classes we construct; fields are set through their setters. */
type ProtoCtor = new () => Record<string, (...args: unknown[]) => unknown>;
export const analyzerPb = require("@pulumi/pulumi/proto/analyzer_pb.js") as Record<
  | "AnalyzeRequest"
  | "AnalyzeStackRequest"
  | "AnalyzerResource"
  | "AnalyzerResourceOptions"
  | "AnalyzerPropertyDependencies"
  | "ConfigureAnalyzerRequest"
  | "PolicyConfig",
  ProtoCtor
>;

export const policyDeserialize = require("@pulumi/policy/deserialize.js") as {
  deserializeProperties(struct: Struct, proxySecrets: boolean): Record<string, unknown>;
};

/**
 * @pulumi/policy's proxy module. Its .d.ts is `export {}` (the members are @internal), so the
 * `unknownCheckingProxy` / `UnknownValueError` re-exported by the package index have no usable
 * types; this is the real runtime module with the shape the server relies on.
 */
export const policyProxy = require("@pulumi/policy/proxy.js") as {
  unknownCheckingProxy<T extends object>(value: T): T;
  UnknownValueError: new (...args: unknown[]) => Error;
  unknownStringValue: string;
  unknownBooleanValue: string;
  unknownNumberValue: string;
  unknownArrayValue: string;
  unknownAssetValue: string;
  unknownArchiveValue: string;
  unknownObjectValue: string;
};

/** The analyzer's gRPC handlers, as the Pulumi CLI would call them (see reference/pulumi.md). */
export type RpcFun = (
  call: { request: unknown },
  callback: (err: unknown, response?: AnalyzeResponse) => void,
) => Promise<void>;
export interface AnalyzeResponse {
  getDiagnosticsList(): {
    getPolicyname(): string;
    getMessage(): string;
    getUrn(): string;
    getEnforcementlevel(): number;
  }[];
}
export const policyServer = require("@pulumi/policy/server.js") as {
  makeAnalyzeRpcFun(packName: string, version: string, level: string, policies: unknown[]): RpcFun;
  makeAnalyzeStackRpcFun(
    packName: string,
    version: string,
    level: string,
    policies: unknown[],
  ): RpcFun;
};

/** The SDK's marker for a resource reference inside serialized properties. */
export const RESOURCE_REFERENCE_SIG = (
  require("@pulumi/pulumi/runtime/rpc.js") as { specialResourceSig: string }
).specialResourceSig;
export const SIG_KEY = (require("@pulumi/pulumi/runtime/rpc.js") as { specialSigKey: string })
  .specialSigKey;
