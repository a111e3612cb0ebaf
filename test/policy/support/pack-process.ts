import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { AnalyzeResponse } from "./internals.js";

/**
 * Starts policies/shared-nothing exactly as `pulumi preview --policy-pack policies/shared-nothing`
 * does (the CLI's `pulumi-analyzer-policy` shim runs @pulumi/pulumi/cmd/run-policy-pack with the
 * engine address and the pack directory, from the pack directory), reads the gRPC port the pack
 * prints, and talks to it with the generated Analyzer client, as the engine would.
 */
const require = createRequire(import.meta.url);
const pulumiRequire = createRequire(require.resolve("@pulumi/pulumi/package.json"));

export const PACK_DIR = fileURLToPath(
  new URL("../../../policies/shared-nothing/", import.meta.url),
);
const RUN_POLICY_PACK = require.resolve("@pulumi/pulumi/cmd/run-policy-pack");

type Callback<T> = (err: Error | null, res: T) => void;
interface AnalyzerClient {
  getAnalyzerInfo(req: unknown, cb: Callback<AnalyzerInfo>): void;
  configure(req: unknown, cb: Callback<unknown>): void;
  analyze(req: unknown, cb: Callback<AnalyzeResponse>): void;
  analyzeStack(req: unknown, cb: Callback<AnalyzeResponse>): void;
  close(): void;
}
export interface AnalyzerInfo {
  getName(): string;
  getVersion(): string;
  getPoliciesList(): {
    getName(): string;
    getEnforcementlevel(): number;
    getConfigschema(): { getProperties(): { toJavaScript(): Record<string, unknown> } } | undefined;
  }[];
}

const grpc = pulumiRequire("@grpc/grpc-js") as {
  credentials: { createInsecure(): unknown };
};
const { AnalyzerClient } = pulumiRequire("./proto/analyzer_grpc_pb.js") as {
  AnalyzerClient: new (address: string, credentials: unknown) => AnalyzerClient;
};
const { Empty } = pulumiRequire("google-protobuf/google/protobuf/empty_pb.js") as {
  Empty: new () => unknown;
};

export interface PackProcess {
  port: number;
  stderr: () => string;
  info(): Promise<AnalyzerInfo>;
  configure(request: unknown): Promise<void>;
  analyze(request: unknown): Promise<AnalyzeResponse>;
  analyzeStack(request: unknown): Promise<AnalyzeResponse>;
  stop(): void;
}

function promisify<T>(fn: (cb: Callback<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, res) => (err ? reject(err) : resolve(res))));
}

function waitForPort(
  child: ChildProcess,
  stderr: () => string,
  timeoutMs: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(
      () => reject(new Error(`pack printed no port within ${timeoutMs} ms; stderr:\n${stderr()}`)),
      timeoutMs,
    );
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const line = /^(\d+)\s*$/m.exec(out);
      if (line?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(Number(line[1]));
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(
        new Error(`pack exited with ${String(code)} before printing a port; stderr:\n${stderr()}`),
      );
    });
  });
}

/** Where the pack is and which runner starts it: by default this checkout's pack and runner. */
export interface PackLocation {
  /** The pack's directory (where PulumiPolicy.yaml and package.json are). */
  packDir: string;
  /** The @pulumi/pulumi `cmd/run-policy-pack` entry the CLI would use for that pack. */
  runPolicyPack: string;
}

export async function startPack(
  timeoutMs = 60_000,
  location: PackLocation = { packDir: PACK_DIR, runPolicyPack: RUN_POLICY_PACK },
): Promise<PackProcess> {
  // "127.0.0.1:0" stands for the engine address the CLI passes; the runner drops it.
  const child = spawn(process.execPath, [location.runPolicyPack, "127.0.0.1:0", "."], {
    cwd: location.packDir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const stderr = () => err;
  let port: number;
  try {
    port = await waitForPort(child, stderr, timeoutMs);
  } catch (e) {
    if (child.pid !== undefined && child.exitCode === null) child.kill();
    throw e;
  }
  const client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return {
    port,
    stderr,
    info: () => promisify<AnalyzerInfo>((cb) => client.getAnalyzerInfo(new Empty(), cb)),
    configure: async (request) => {
      await promisify<unknown>((cb) => client.configure(request, cb));
    },
    analyze: (request) => promisify<AnalyzeResponse>((cb) => client.analyze(request, cb)),
    analyzeStack: (request) => promisify<AnalyzeResponse>((cb) => client.analyzeStack(request, cb)),
    stop: () => {
      client.close();
      if (child.exitCode === null) child.kill();
    },
  };
}
