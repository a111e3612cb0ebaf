/**
 * Zod schema of the Cloudflare edge's plain (shape-deciding) inputs: the zone and its plan, how
 * requests find their cohort (a hostname per cohort, or a shared hostname routed by a Worker or
 * by Origin Rules), where the cohort comes from, cache safety and load balancing. Values that
 * come from other resources (origins, secrets) are Inputs given to the builders instead.
 * Cross-field rules (plan limits, trust, hostnames inside the zone) live in validate.ts, so
 * every problem is reported at once.
 */
import { z } from "zod";

/** Cloudflare plans, least to most capable; several limits depend on it (providers.md 3.1). */
export const cloudflarePlanSchema = z.enum(["free", "pro", "business", "enterprise"]);
export type CloudflarePlan = z.infer<typeof cloudflarePlanSchema>;

export const hostnameSchema = z
  .string()
  .max(253)
  .regex(
    /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/,
    "must be a lowercase DNS host name without wildcards, e.g. api.example.com",
  );

/** Lowercase HTTP header names (Cloudflare's header map keys are lowercase). */
const headerNameSchema = z
  .string()
  .regex(/^[a-z0-9-]{1,40}$/, "must be a lowercase HTTP header name of at most 40 characters")
  .refine((h) => h !== "host" && h !== "cookie", "must not be host or cookie");

const base64Url = z.string().regex(/^[A-Za-z0-9_-]{1,1400}$/, "must be base64url without padding");

/** A public JWK for RS256 (RSA) or ES256 (EC P-256). Private parts are refused by `.strict()`. */
const publicJwkSchema = z.discriminatedUnion("kty", [
  z
    .object({
      kty: z.literal("RSA"),
      kid: z.string().max(200).optional(),
      n: base64Url,
      e: base64Url,
      alg: z.literal("RS256").optional(),
      use: z.literal("sig").optional(),
    })
    .strict(),
  z
    .object({
      kty: z.literal("EC"),
      kid: z.string().max(200).optional(),
      crv: z.literal("P-256"),
      x: base64Url,
      y: base64Url,
      alg: z.literal("ES256").optional(),
      use: z.literal("sig").optional(),
    })
    .strict(),
]);

/**
 * Where a shared-hostname request's cohort comes from. Never a raw client header: a client
 * would pick its own cohort (providers.md 3.1, trust warning).
 */
export const cohortSourceSchema = z.discriminatedUnion("kind", [
  z
    .object({
      /** A cookie `<cohort>.<expires>.<base64url HMAC-SHA256>` the Worker verifies with WebCrypto. */
      kind: z.literal("signed-cookie"),
      /** The cookie's name. @default "cohort" */
      cookieName: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,64}$/, "must be a cookie name of letters, digits, '_' and '-'")
        .default("cohort"),
    })
    .strict(),
  z
    .object({
      /** A header set by an upstream the user trusts (an auth proxy, an mTLS terminator). */
      kind: z.literal("trusted-header"),
      /** The header carrying the cohort. @default "x-customer-cohort" */
      headerName: headerNameSchema.default("x-customer-cohort"),
      /**
       * The statement that makes the header trustworthy: who sets it and that client copies are
       * stripped, e.g. "set by the auth gateway after verifying the session; clients' copies are
       * removed". Required: without it the header is a raw client header.
       */
      trustedUpstream: z.string().min(20).max(500).optional(),
      /**
       * Worker routing: the header in which the upstream presents the shared secret (given to the
       * builder as `secret`); the Worker admits the cohort header only with it.
       */
      secretHeaderName: headerNameSchema.optional(),
    })
    .strict(),
  z
    .object({
      /**
       * A claim of a JWT the Worker verifies: signature (one algorithm), exp, nbf, iss, aud.
       * Every field but `claim`, `keys` and `cookieName` is required; they are optional here so
       * that validate.ts reports every missing one at once.
       */
      kind: z.literal("jwt"),
      /** The one accepted algorithm: HS256 (key = the edge's secret) or RS256/ES256 (`keys`). */
      algorithm: z.enum(["HS256", "RS256", "ES256"]).optional(),
      /** The claim holding the cohort's identity. @default "cohort" */
      claim: z
        .string()
        .regex(
          /^[A-Za-z0-9_:.-]{1,64}$/,
          "must be a claim name of letters, digits, '_', ':', '.' and '-'",
        )
        .default("cohort"),
      /** The required `iss` claim. */
      issuer: z.string().min(1).max(500).optional(),
      /** The required `aud` claim (equal, or one of the token's audiences). */
      audience: z.string().min(1).max(500).optional(),
      /** RS256/ES256: the issuer's public keys, as a JWKS `{ keys: [...] }`. */
      jwks: z
        .object({ keys: z.array(publicJwkSchema).min(1).max(20) })
        .strict()
        .optional(),
      /** Read the token from this cookie; without it, from `Authorization: Bearer`. */
      cookieName: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,64}$/, "must be a cookie name of letters, digits, '_' and '-'")
        .optional(),
    })
    .strict(),
  z
    .object({
      /**
       * The client certificate Cloudflare verified (mTLS on the zone): only a certificate it
       * presented and verified (certVerified "SUCCESS", not revoked) selects a cohort; each
       * cohort lists its certificates in `cohorts[].clientCertificates`.
       */
      kind: z.literal("mtls"),
      /**
       * The certificate field that identifies the client: its SHA-256 fingerprint (lowercase
       * hex) or its RFC 2253 subject DN. @default "sha256-fingerprint"
       */
      certificateIdentity: z
        .enum(["sha256-fingerprint", "subject-dn"])
        .default("sha256-fingerprint"),
    })
    .strict(),
]);
export type CohortSource = z.infer<typeof cohortSourceSchema>;

/** A cohort as the Cloudflare edge sees it. */
export const cloudflareCohortSchema = z
  .object({
    /** The cohort's name (as the environment defines it). */
    name: z.string(),
    /** The cohort's own hostname. @default "<name>.<hostname>" */
    hostname: hostnameSchema.optional(),
    /** The value that identifies the cohort in its credential (cookie/header/claim). @default the name */
    identity: z.string().optional(),
    /**
     * mTLS source: the client certificates of this cohort, as the source's certificateIdentity
     * (SHA-256 fingerprints, 64 hex digits, or RFC 2253 subject DNs).
     */
    clientCertificates: z.array(z.string().min(1).max(1024)).min(1).max(100).optional(),
  })
  .strict();

/** Cloudflare Load Balancing per cohort (a paid add-on): one monitored pool per cohort. */
export const loadBalancingSchema = z
  .object({
    /** Health check path of the monitor. @default "/" */
    path: z.string().startsWith("/").max(1000).default("/"),
    /** Monitor protocol. @default "https" */
    type: z.enum(["http", "https"]).default("https"),
    /** Expected response codes, e.g. "200" or "2xx". @default "2xx" */
    expectedCodes: z
      .string()
      .regex(/^[1-5]([0-9]{2}|xx)$/, 'must be a status code or class such as "200" or "2xx"')
      .default("2xx"),
    /** Seconds between checks. @default 60 */
    interval: z.number().int().min(5).max(3600).default(60),
  })
  .strict();

export const cacheSchema = z
  .object({
    /**
     * `bypass`: no caching on the shared hostname (cohort-routed paths), so one cohort's cached
     * response is never served to another; `shared`: explicit opt-out. @default "bypass"
     */
    sharedHostname: z.enum(["bypass", "shared"]).default("bypass"),
    /** Why sharing the cache across cohorts is safe; required with `shared`. */
    reason: z.string().min(10).max(500).optional(),
  })
  .strict();

export const cloudflareEdgeSchema = z
  .object({
    /** The Cloudflare account (pools, monitors, Worker scripts and KV are account-level). */
    accountId: z.string().regex(/^[0-9a-f]{32}$/, "must be a 32-character hex account id"),
    zone: z
      .object({
        /** The zone id. */
        id: z.string().regex(/^[0-9a-f]{32}$/, "must be a 32-character hex zone id"),
        /** The zone's apex, e.g. example.com. */
        name: hostnameSchema,
        /** The zone's plan: routing options and rule counts depend on it. */
        plan: cloudflarePlanSchema,
      })
      .strict(),
    /**
     * `hostname`: a proxied hostname per cohort (every plan, the strongest isolation);
     * `worker`: one shared hostname, a Worker routes by verified identity (every plan);
     * `origin-rules`: one shared hostname, Origin Rules route by a trusted header (Enterprise).
     * @default "hostname"
     */
    routing: z.enum(["hostname", "worker", "origin-rules"]).default("hostname"),
    /** The public hostname: the shared one, and the parent of per-cohort hostnames. */
    hostname: hostnameSchema,
    /** Where the cohort comes from; required with `worker` and `origin-rules`. */
    cohortSource: cohortSourceSchema.optional(),
    /** Per-cohort settings; cohorts not listed get the defaults. @default [] */
    cohorts: z.array(cloudflareCohortSchema).default([]),
    /** Cache safety on the shared hostname. @default { sharedHostname: "bypass" } */
    cache: cacheSchema.default({ sharedHostname: "bypass" }),
    /** Put each cohort's hostname behind its own Cloudflare load balancer and pool. */
    loadBalancing: loadBalancingSchema.optional(),
  })
  .strict();
export type CloudflareEdgeInput = z.input<typeof cloudflareEdgeSchema>;

/** A cohort after validation: its hostname and credential value are settled. */
export interface CloudflareCohort {
  name: string;
  hostname: string;
  identity: string;
  /** mTLS source: this cohort's certificate identities (fingerprints lowercased). */
  clientCertificates: string[];
}

/** The Cloudflare edge after validation and defaulting. */
export interface CloudflareEdgeSpec {
  accountId: string;
  zone: { id: string; name: string; plan: CloudflarePlan };
  routing: "hostname" | "worker" | "origin-rules";
  hostname: string;
  cohortSource: CohortSource | undefined;
  /** Every cohort of the environment, in the order given. */
  cohorts: CloudflareCohort[];
  cache: { sharedHostname: "bypass" | "shared"; reason?: string | undefined };
  loadBalancing: z.infer<typeof loadBalancingSchema> | undefined;
}
