/**
 * The edge router in the real Workers runtime: workerd (npm `workerd`, offline) serving the
 * router's exact source with the bindings the builder gives it, its KV namespace backed by a
 * node server on 127.0.0.1 that speaks workerd's KV service protocol, and its outbound fetches
 * allowed to loopback only (the origins are node servers on 127.0.0.1).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import {
  ROUTER_COMPATIBILITY_DATE,
  ROUTER_MODULE,
  ROUTER_SOURCE,
} from "../../../components/cloudflare/router-source.js";
import { routerBindings } from "../../../components/cloudflare/worker.js";
import type { RouterConfig } from "../../../components/cloudflare/router-source.js";

/** The workerd binary's path: the package's (CommonJS, untyped) default export. */
const workerdPath = (createRequire(import.meta.url)("workerd") as { default: string }).default;

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** What an origin saw of one request. */
export interface OriginHit {
  origin: string;
  path: string;
  headers: IncomingHttpHeaders;
}

/** A node http server standing in for one origin: it answers with who it is and what it saw. */
export interface Origin {
  name: string;
  url: string;
  stop(): Promise<void>;
}

export async function startOrigin(name: string): Promise<Origin> {
  const server = createServer((req, res) => {
    const hit: OriginHit = { origin: name, path: req.url ?? "", headers: req.headers };
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(hit));
  });
  const port = await listen(server);
  return { name, url: `http://127.0.0.1:${port}`, stop: () => close(server) };
}

/** workerd's KV service protocol: GET /<key>?urlencoded=true answers the value or 404. */
export interface KvBackend {
  address: string;
  entries: Map<string, string>;
  stop(): Promise<void>;
}

export async function startKv(): Promise<KvBackend> {
  const entries = new Map<string, string>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://kv");
    const value =
      req.method === "GET" ? entries.get(decodeURIComponent(url.pathname.slice(1))) : undefined;
    if (value === undefined) {
      res.statusCode = 404;
      res.end();
    } else res.end(value);
  });
  const port = await listen(server);
  return { address: `127.0.0.1:${port}`, entries, stop: () => close(server) };
}

export interface RouterInstance {
  /** The socket (and worker) name. */
  name: string;
  config: RouterConfig;
  /** COHORT_SECRET; absent for routers that verify without one (RS256/ES256 JWTs, mTLS). */
  secret?: string;
}

/**
 * The request header workerd turns into `request.cf` (its cfBlobHeader option): how the tests
 * give the router what Cloudflare's edge fills in, e.g. `tlsClientAuth`. Cloudflare itself sets
 * `request.cf`; no client header can.
 */
export const CF_BLOB_HEADER = "cf-blob";

/** A capnp text literal (JSON's escapes are a subset of capnp's for ASCII). */
function capnpString(value: string): string {
  if (!/^[\x20-\x7e]*$/.test(value)) throw new Error("non-ASCII capnp literal");
  return JSON.stringify(value);
}

/** A binding field given as a plain string (the test passes no Outputs). */
function plain(value: unknown): string {
  if (typeof value !== "string") throw new Error(`expected a plain string, got ${typeof value}`);
  return value;
}

/** The builder's bindings, translated to workerd's config: the same names and values. */
function capnpBindings(router: RouterInstance): string {
  return routerBindings(router.config, router.secret, "routes")
    .map((b) => {
      switch (b.type) {
        case "json":
          return `(name = ${capnpString(plain(b.name))}, json = ${capnpString(plain(b.json))})`;
        case "secret_text":
          return `(name = ${capnpString(plain(b.name))}, text = ${capnpString(plain(b.text))})`;
        case "kv_namespace":
          return `(name = ${capnpString(plain(b.name))}, kvNamespace = "kv")`;
        default:
          throw new Error(`no workerd translation for binding type ${plain(b.type)}`);
      }
    })
    .join(",\n      ");
}

function capnpConfig(routers: RouterInstance[], kvAddress: string): string {
  const services = routers.map((r) => `(name = ${capnpString(r.name)}, worker = .${r.name})`);
  const sockets = routers.map(
    (r) =>
      `(name = ${capnpString(r.name)}, address = "127.0.0.1:0", http = (cfBlobHeader = ${capnpString(CF_BLOB_HEADER)}), service = ${capnpString(r.name)})`,
  );
  const workers = routers.map(
    (r) => `const ${r.name} :Workerd.Worker = (
  modules = [ (name = ${capnpString(ROUTER_MODULE)}, esModule = embed ${capnpString(ROUTER_MODULE)}) ],
  compatibilityDate = ${capnpString(ROUTER_COMPATIBILITY_DATE)},
  bindings = [
      ${capnpBindings(r)}
  ],
  globalOutbound = "loopback",
);`,
  );
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    ${services.join(",\n    ")},
    (name = "kv", external = (address = ${capnpString(kvAddress)}, http = ())),
    (name = "loopback", network = (allow = ["local"])),
  ],
  sockets = [
    ${sockets.join(",\n    ")},
  ],
);
${workers.join("\n")}
`;
}

export interface Workerd {
  /** Base URL of a router's socket. */
  url(router: string): string;
  stop(): Promise<void>;
}

/**
 * Starts one workerd serving every router, and resolves once each socket listens (workerd
 * reports the ports it bound on its control fd, so no port is guessed and no timing is assumed).
 */
export async function startWorkerd(routers: RouterInstance[], kvAddress: string): Promise<Workerd> {
  const dir = mkdtempSync(join(tmpdir(), "cohort-router-"));
  writeFileSync(join(dir, ROUTER_MODULE), ROUTER_SOURCE);
  writeFileSync(join(dir, "config.capnp"), capnpConfig(routers, kvAddress));
  const child: ChildProcess = spawn(workerdPath, ["serve", "config.capnp", "--control-fd=3"], {
    cwd: dir,
    stdio: ["ignore", "ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const ports = new Map<string, number>();
  try {
    await new Promise<void>((resolve, reject) => {
      let buffer = "";
      (child.stdio[3] as Readable).on("data", (d: Buffer) => {
        buffer += d.toString();
        const lines = buffer.split("\n");
        buffer = lines.pop() ?? "";
        for (const line of lines) {
          const event = JSON.parse(line) as { event: string; socket: string; port: number };
          if (event.event === "listen") ports.set(event.socket, event.port);
        }
        if (routers.every((r) => ports.has(r.name))) resolve();
      });
      child.once("exit", (code) =>
        reject(new Error(`workerd exited (${String(code)}): ${stderr}`)),
      );
      child.once("error", reject);
    });
  } catch (error) {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: (router) => `http://127.0.0.1:${ports.get(router) ?? 0}`,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
