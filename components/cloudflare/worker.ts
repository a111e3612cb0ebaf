/**
 * Shared-hostname routing by a Worker (providers.md 3.1 C), split along the stacks:
 * - the edge stack owns the router script, its route on the shared hostname and the KV
 *   namespace of route entries (createRoutingWorker): the edge wave;
 * - each cohort stack owns its route entry `cohort:<name>` -> its own hostname
 *   (createCohortRouteEntry), so a change of one cohort's origin rolls out with that cohort.
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { routeEntryKey, workerRoutePattern } from "./hostnames.js";
import {
  ROUTER_COMPATIBILITY_DATE,
  ROUTER_MODULE,
  ROUTER_SOURCE,
  type RouterConfig,
} from "./router-source.js";
import type { CloudflareEdgeSpec, CohortSource } from "./schema.js";

/** The router's source settings for a validated source (validate.ts checked completeness). */
function routerSource(spec: CloudflareEdgeSpec, source: CohortSource): RouterConfig["source"] {
  switch (source.kind) {
    case "signed-cookie":
      return { kind: "signed-cookie", cookieName: source.cookieName };
    case "trusted-header":
      return {
        kind: "trusted-header",
        headerName: source.headerName,
        secretHeaderName: source.secretHeaderName ?? "",
      };
    case "jwt":
      return {
        kind: "jwt",
        algorithm: source.algorithm ?? "HS256",
        claim: source.claim,
        issuer: source.issuer ?? "",
        audience: source.audience ?? "",
        keys: source.algorithm === "HS256" ? [] : (source.jwks?.keys ?? []),
        cookieName: source.cookieName ?? null,
      };
    case "mtls":
      return {
        kind: "mtls",
        certificateIdentity: source.certificateIdentity,
        certificates: Object.fromEntries(
          spec.cohorts.flatMap((c) => c.clientCertificates.map((id) => [id, c.identity])),
        ),
      };
  }
}

/** The router's configuration for a validated edge (the ROUTER_CONFIG binding). */
export function routerConfig(spec: CloudflareEdgeSpec, defaultOrigin?: string): RouterConfig {
  const source = spec.cohortSource;
  if (source === undefined) throw new Error("a routing Worker needs a cohort source");
  return { source: routerSource(spec, source), defaultOrigin: defaultOrigin ?? null };
}

/** Whether the router verifies with COHORT_SECRET (public-key JWTs and mTLS need none). */
export function routerNeedsSecret(source: CohortSource | undefined): boolean {
  if (source?.kind === "mtls") return false;
  if (source?.kind === "jwt") return source.algorithm === "HS256";
  return true;
}

/** The router script's bindings: its configuration, its secret (if any), the route entries. */
export function routerBindings(
  config: RouterConfig,
  secret: pulumi.Input<string> | undefined,
  namespaceId: pulumi.Input<string>,
): cloudflare.types.input.WorkersScriptBinding[] {
  return [
    { type: "json", name: "ROUTER_CONFIG", json: JSON.stringify(config) },
    ...(secret !== undefined
      ? [{ type: "secret_text", name: "COHORT_SECRET", text: secret } as const]
      : []),
    { type: "kv_namespace", name: "COHORT_ROUTES", namespaceId },
  ];
}

export interface RoutingWorkerArgs {
  /** The validated edge (routing "worker"). */
  spec: CloudflareEdgeSpec;
  /** The cookie signing key, the trusted upstream's shared secret or the HS256 key; kept secret. None for RS256/ES256 JWTs and mTLS. */
  secret?: pulumi.Input<string>;
  /** Account-unique script name, e.g. `svc-prod-cohort-router`. */
  scriptName: string;
  /** Origin (https://host) for requests without a verified cohort; never a cohort's. @default a 404 */
  defaultOrigin?: string;
}

export interface RoutingWorker {
  namespace: cloudflare.WorkersKvNamespace;
  script: cloudflare.WorkersScript;
  route: cloudflare.WorkersRoute;
}

/** @param name Logical name prefix: `<name>-routes`, `<name>-router`, `<name>-route`. */
export function createRoutingWorker(
  name: string,
  args: RoutingWorkerArgs,
  opts: pulumi.CustomResourceOptions,
): RoutingWorker {
  const { spec } = args;
  const namespace = new cloudflare.WorkersKvNamespace(
    `${name}-routes`,
    { accountId: spec.accountId, title: `${args.scriptName}-routes` },
    opts,
  );
  const script = new cloudflare.WorkersScript(
    `${name}-router`,
    {
      accountId: spec.accountId,
      scriptName: args.scriptName,
      mainModule: ROUTER_MODULE,
      content: ROUTER_SOURCE,
      compatibilityDate: ROUTER_COMPATIBILITY_DATE,
      bindings: routerBindings(
        routerConfig(spec, args.defaultOrigin),
        args.secret !== undefined ? pulumi.secret(args.secret) : undefined,
        namespace.id,
      ),
    },
    opts,
  );
  const route = new cloudflare.WorkersRoute(
    `${name}-route`,
    { zoneId: spec.zone.id, pattern: workerRoutePattern(spec.hostname), script: script.scriptName },
    opts,
  );
  return { namespace, script, route };
}

/** The JSON a cohort's route entry holds: the router follows it only under its own key. */
export interface RouteEntry {
  cohort: string;
  origin: string;
}

export interface CohortRouteEntryArgs {
  /** The Cloudflare account. */
  accountId: pulumi.Input<string>;
  /** The edge's route-entry namespace (read from the edge stack). */
  namespaceId: pulumi.Input<string>;
  /** The cohort's identity value: the key the router looks up after verifying a credential. */
  identity: string;
  /** The cohort's name. */
  cohort: string;
  /** The cohort's own hostname (its record or load balancer): the only origin the entry names. */
  hostname: pulumi.Input<string>;
}

/** @param name Logical name prefix: `<name>-route-entry`. */
export function createCohortRouteEntry(
  name: string,
  args: CohortRouteEntryArgs,
  opts: pulumi.CustomResourceOptions,
): cloudflare.WorkersKv {
  const value = pulumi
    .output(args.hostname)
    .apply((host): string =>
      JSON.stringify({ cohort: args.identity, origin: `https://${host}` } satisfies RouteEntry),
    );
  return new cloudflare.WorkersKv(
    `${name}-route-entry`,
    {
      accountId: args.accountId,
      namespaceId: args.namespaceId,
      keyName: routeEntryKey(args.identity),
      value,
      metadata: JSON.stringify({ cohort: args.cohort }),
    },
    opts,
  );
}
