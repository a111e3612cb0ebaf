/**
 * The edge router's JWT and mTLS cohort sources, run in the real Workers runtime (workerd) with
 * the configuration the builder derives from a validated edge (validateCloudflareEdge then
 * routerConfig): each cohort's requests reach only its origin; forged, expired, not-yet-valid,
 * unsigned, mis-addressed or missing tokens, and client certificates Cloudflare did not verify,
 * reach the default, never a cohort. Tokens are minted with node:crypto (test/support/jwt.ts),
 * independently of the router's WebCrypto code; `request.cf` is given through workerd's
 * cfBlobHeader, the way Cloudflare's edge fills it in.
 */
import { createHash } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { routeEntryKey } from "../../components/cloudflare/hostnames.js";
import {
  VERIFIED_COHORT_HEADER,
  type PublicJwk,
  type RouterConfig,
} from "../../components/cloudflare/router-source.js";
import { validateCloudflareEdge } from "../../components/cloudflare/validate.js";
import { routerConfig, type RouteEntry } from "../../components/cloudflare/worker.js";
import { ACCOUNT_ID, ZONE_ID } from "./support/environments.js";
import { keyPair, mintJwt, signature, signingInput, type SigningKey } from "./support/jwt.js";
import {
  CF_BLOB_HEADER,
  startKv,
  startOrigin,
  startWorkerd,
  type KvBackend,
  type Origin,
  type OriginHit,
  type Workerd,
} from "./support/workerd.js";

const ISSUER = "https://auth.example.com/";
const AUDIENCE = "api.example.com";
const HS_KEY: SigningKey = { alg: "HS256", secret: "hs256-key-0123456789abcdef0123456789" };
const RS_OLD = keyPair("RS256", "old");
const RS_NEW = keyPair("RS256", "new");
const ES_KEY = keyPair("ES256");
/** Keys no router trusts: a forger's. */
const FORGER = {
  HS256: { alg: "HS256", secret: "not-the-key" } satisfies SigningKey,
  RS256: keyPair("RS256", "new"),
  ES256: keyPair("ES256"),
};
/** Origins handed to random cohorts, one each per run. */
const SLOTS = 4;

let kv: KvBackend;
let jwtRouters: Workerd;
let fallback: Origin;
const slots: Origin[] = [];

/** The edge input (as a user writes it) around a cohort source and the cohorts' own settings. */
function edgeInput(
  cohortSource: Record<string, unknown>,
  cohorts?: Record<string, unknown>[],
): Record<string, unknown> {
  return {
    accountId: ACCOUNT_ID,
    zone: { id: ZONE_ID, name: "example.com", plan: "pro" },
    routing: "worker",
    hostname: "api.example.com",
    cohortSource,
    ...(cohorts !== undefined ? { cohorts } : {}),
  };
}

/** The router configuration the builder derives from the validated edge. */
function configOf(
  input: Record<string, unknown>,
  defaultOrigin?: string,
  cohorts: readonly string[] = ["free", "pro"],
): RouterConfig {
  return routerConfig(validateCloudflareEdge(input, cohorts), defaultOrigin);
}

beforeAll(async () => {
  kv = await startKv();
  fallback = await startOrigin("default");
  for (let i = 0; i < SLOTS; i++) slots.push(await startOrigin(`slot-${i}`));
  jwtRouters = await startWorkerd(
    [
      {
        name: "hs",
        secret: HS_KEY.secret,
        config: configOf(
          edgeInput({ kind: "jwt", algorithm: "HS256", issuer: ISSUER, audience: AUDIENCE }),
          fallback.url,
        ),
      },
      {
        // Two keys, as during a key rotation; the token is read from a cookie; no default.
        name: "rs",
        config: configOf(
          edgeInput({
            kind: "jwt",
            algorithm: "RS256",
            issuer: ISSUER,
            audience: AUDIENCE,
            cookieName: "session",
            jwks: { keys: [keyOf(RS_OLD), keyOf(RS_NEW)] },
          }),
        ),
      },
      {
        name: "es",
        config: configOf(
          edgeInput({
            kind: "jwt",
            algorithm: "ES256",
            claim: "tenant",
            issuer: ISSUER,
            audience: AUDIENCE,
            jwks: { keys: [keyOf(ES_KEY)] },
          }),
          fallback.url,
        ),
      },
    ],
    kv.address,
  );
}, 60_000);

afterAll(async () => {
  await jwtRouters?.stop();
  await Promise.all([kv?.stop(), fallback?.stop(), ...slots.map((s) => s.stop())]);
});

function keyOf(key: SigningKey): PublicJwk {
  if (key.alg === "HS256") throw new Error("an HMAC key is no JWK");
  return key.publicJwk;
}

/** Each cohort's route entry, as its cohort stack writes it: cohort i -> slot i. */
function publish(cohorts: readonly string[]): Map<string, Origin> {
  kv.entries.clear();
  const owner = new Map<string, Origin>();
  cohorts.forEach((cohort, i) => {
    const origin = slots[i];
    if (origin === undefined) throw new Error("more cohorts than origins");
    owner.set(cohort, origin);
    kv.entries.set(
      routeEntryKey(cohort),
      JSON.stringify({ cohort, origin: origin.url } satisfies RouteEntry),
    );
  });
  return owner;
}

interface Routed {
  status: number;
  body: string;
  hit?: OriginHit;
}

async function send(base: string, headers: Record<string, string>): Promise<Routed> {
  const res = await fetch(`${base}/orders?id=1`, { headers });
  const body = await res.text();
  return res.headers.get("content-type") === "application/json"
    ? { status: res.status, body, hit: JSON.parse(body) as OriginHit }
    : { status: res.status, body };
}

/** Where each router reads its token from. */
const PLACE: Record<string, (token: string) => Record<string, string>> = {
  hs: (token) => ({ authorization: `Bearer ${token}` }),
  rs: (token) => ({ cookie: `theme=dark; session=${token}` }),
  es: (token) => ({ authorization: `Bearer ${token}` }),
};
const CLAIM: Record<string, string> = { hs: "cohort", rs: "cohort", es: "tenant" };
const KEY: Record<string, SigningKey> = { hs: HS_KEY, rs: RS_NEW, es: ES_KEY };

const now = () => Math.floor(Date.now() / 1000);

/** Valid claims for `cohort` at `router`. */
function claimsFor(router: string, cohort: string): Record<string, unknown> {
  return {
    iss: ISSUER,
    aud: router === "es" ? ["other.example.com", AUDIENCE] : AUDIENCE,
    sub: "user-1",
    exp: now() + 3600,
    nbf: now() - 60,
    [CLAIM[router] ?? "cohort"]: cohort,
  };
}

/** Expects a request routed to the default: the fallback origin, or the 404 where there is none. */
function expectDefault(router: string, routed: Routed, what: string): void {
  if (router === "rs") {
    expect(routed.status, what).toBe(404);
    expect(routed.body, what).toBe("unknown cohort");
  } else {
    expect(routed.hit?.origin, what).toBe("default");
    expect(routed.hit?.headers[VERIFIED_COHORT_HEADER], what).toBeUndefined();
  }
}

const identity = fc.stringMatching(/^[A-Za-z0-9._~-]{1,64}$/);
const cohortSets = fc.uniqueArray(identity, { minLength: 1, maxLength: SLOTS });
const routers = fc.constantFrom("hs", "rs", "es");

describe("router in workerd: verified JWT claim", () => {
  it("sends each cohort's token to its own origin only (HS256, RS256 with two keys, ES256)", async () => {
    await fc.assert(
      fc.asyncProperty(routers, cohortSets, fc.boolean(), async (router, cohorts, oldKey) => {
        const owner = publish(cohorts);
        // RS256: a token signed with either published key (rotation) verifies.
        const key = router === "rs" && oldKey ? RS_OLD : KEY[router];
        for (const cohort of cohorts) {
          const token = mintJwt(key, claimsFor(router, cohort));
          const { status, hit } = await send(jwtRouters.url(router), {
            ...(PLACE[router] ?? {})(token),
            // A client's own claim to a cohort is dropped.
            [VERIFIED_COHORT_HEADER]: "someone-else",
          });
          expect(status).toBe(200);
          expect(hit?.origin).toBe(owner.get(cohort)?.name);
          expect(hit?.headers[VERIFIED_COHORT_HEADER]).toBe(cohort);
          expect(hit?.path).toBe("/orders?id=1");
        }
      }),
      { numRuns: 15 },
    );
  });

  it("sends forged, expired, unsigned, mis-addressed and missing tokens to the default, never to a cohort", async () => {
    await fc.assert(
      fc.asyncProperty(
        routers,
        cohortSets.filter((c) => c.length >= 2),
        fc.string({ maxLength: 80 }),
        async (router, cohorts, junk) => {
          publish(cohorts);
          const [a = "", b = ""] = cohorts;
          const key = KEY[router];
          const alg = key.alg;
          const place = PLACE[router] ?? (() => ({}));
          const claim = CLAIM[router] ?? "cohort";
          const valid = mintJwt(key, claimsFor(router, a));
          const [validHeader = "", , validSignature = ""] = valid.split(".");
          const bClaims = claimsFor(router, b);
          const forgedInput = signingInput({ alg, typ: "JWT" }, bClaims);
          const forged: [string, Record<string, string>][] = [
            ["no token", {}],
            ["junk", place(junk)],
            ["wrong key", place(mintJwt(FORGER[alg], bClaims))],
            // a's signature over b's claims
            ["swapped claims", place(`${forgedInput}.${validSignature}`)],
            [
              "a's header, b's claims",
              place(`${validHeader}.${forgedInput.split(".")[1]}.${validSignature}`),
            ],
            ["alg none, no signature", place(`${signingInput({ alg: "none" }, bClaims)}.`)],
            [
              "alg none, a signature",
              place(`${signingInput({ alg: "none" }, bClaims)}.${validSignature}`),
            ],
            ["expired", place(mintJwt(key, { ...bClaims, exp: now() - 10 }))],
            ["no exp", place(mintJwt(key, { ...bClaims, exp: undefined }))],
            ["not yet valid", place(mintJwt(key, { ...bClaims, nbf: now() + 600 }))],
            ["other issuer", place(mintJwt(key, { ...bClaims, iss: "https://evil.example/" }))],
            ["other audience", place(mintJwt(key, { ...bClaims, aud: "other.example.com" }))],
            ["no cohort claim", place(mintJwt(key, { ...bClaims, [claim]: undefined }))],
            ["cohort claim not a string", place(mintJwt(key, { ...bClaims, [claim]: [b] }))],
            ["critical header", place(mintJwt(key, bClaims, { crit: ["exp"] }))],
            // Signed by the right key, but naming another algorithm: exactly the configured one.
            ["header alg none, signed", place(mintJwt(key, bClaims, { alg: "none" }))],
            // The token where this router does not read it.
            [
              "misplaced token",
              router === "rs"
                ? { authorization: `Bearer ${mintJwt(key, bClaims)}` }
                : { cookie: `session=${mintJwt(key, bClaims)}` },
            ],
            // A client's own verified-cohort header, without a token.
            ["raw header", { [VERIFIED_COHORT_HEADER]: b }],
          ];
          if (alg === "HS256") {
            // An RS256 token to an HS256 router: the one configured algorithm only.
            forged.push(["other algorithm", place(mintJwt(RS_NEW, bClaims))]);
          } else {
            // Algorithm confusion: HS256 keyed with the published public key.
            const publicKey = JSON.stringify(key.publicJwk);
            const confused = signingInput({ alg: "HS256", typ: "JWT" }, bClaims);
            forged.push([
              "HS256 keyed with the public key",
              place(`${confused}.${signature({ alg: "HS256", secret: publicKey }, confused)}`),
            ]);
          }
          for (const [what, headers] of forged) {
            expectDefault(router, await send(jwtRouters.url(router), headers), what);
          }
        },
      ),
      { numRuns: 6 },
    );
  });

  it("a verified token whose cohort has no route entry gets the default", async () => {
    publish(["free"]);
    const token = mintJwt(HS_KEY, claimsFor("hs", "pro"));
    expectDefault("hs", await send(jwtRouters.url("hs"), PLACE.hs?.(token) ?? {}), "pro");
  });
});

/** What Cloudflare puts in `request.cf.tlsClientAuth` for a client certificate. */
interface ClientAuth {
  certPresented: "0" | "1";
  certVerified: string;
  certRevoked: "0" | "1";
  certFingerprintSHA256: string;
  certSubjectDNRFC2253: string;
}

/** A client certificate: its fingerprint (of random bytes standing for its DER) and subject. */
interface Certificate {
  fingerprint: string;
  subject: string;
}

const certificate: fc.Arbitrary<Certificate> = fc
  .record({
    der: fc.uint8Array({ minLength: 16, maxLength: 64 }),
    cn: fc.stringMatching(/^[a-z0-9][a-z0-9 .-]{0,30}$/),
  })
  .map(({ der, cn }) => ({
    fingerprint: createHash("sha256").update(der).digest("hex"),
    subject: `CN=${cn},O=Example Corp,C=US`,
  }));

/** Random cohorts, each with its own identity and one or two client certificates. */
const mtlsCohorts = fc
  .uniqueArray(
    fc.record({
      name: fc.stringMatching(/^[a-z]([a-z0-9-]{0,18}[a-z0-9])?$/),
      identity,
      certificates: fc.array(certificate, { minLength: 1, maxLength: 2 }),
    }),
    { minLength: 1, maxLength: SLOTS, selector: (c) => c.name },
  )
  .filter((cohorts) => {
    // Identities, fingerprints and subjects each select one cohort (validation refuses otherwise).
    const all = cohorts.flatMap((c) => c.certificates);
    return (
      new Set(cohorts.map((c) => c.identity)).size === cohorts.length &&
      new Set(all.map((c) => c.fingerprint)).size === all.length &&
      new Set(all.map((c) => c.subject)).size === all.length
    );
  });

type Mode = "sha256-fingerprint" | "subject-dn";

function auth(cert: Certificate, overrides: Partial<ClientAuth> = {}): Record<string, string> {
  const tlsClientAuth: ClientAuth = {
    certPresented: "1",
    certVerified: "SUCCESS",
    certRevoked: "0",
    certFingerprintSHA256: cert.fingerprint,
    certSubjectDNRFC2253: cert.subject,
    ...overrides,
  };
  return { [CF_BLOB_HEADER]: JSON.stringify({ tlsClientAuth }) };
}

describe("router in workerd: client certificate (mTLS)", () => {
  const modes = fc.constantFrom<Mode>("sha256-fingerprint", "subject-dn");

  it("sends each verified certificate to its own cohort's origin; unverified, revoked, absent or unknown ones to the default", async () => {
    await fc.assert(
      fc.asyncProperty(
        modes,
        mtlsCohorts,
        certificate,
        fc.boolean(),
        async (mode, cohorts, stranger, upper) => {
          fc.pre(
            cohorts.every((c) =>
              c.certificates.every(
                (x) => x.fingerprint !== stranger.fingerprint && x.subject !== stranger.subject,
              ),
            ),
          );
          const config = configOf(
            edgeInput(
              { kind: "mtls", certificateIdentity: mode },
              cohorts.map((c) => ({
                name: c.name,
                identity: c.identity,
                // Fingerprints as some tools print them (uppercase) are accepted.
                clientCertificates: c.certificates.map((x) =>
                  mode === "subject-dn"
                    ? x.subject
                    : upper
                      ? x.fingerprint.toUpperCase()
                      : x.fingerprint,
                ),
              })),
            ),
            fallback.url,
            cohorts.map((c) => c.name),
          );
          const workerd = await startWorkerd([{ name: "mtls", config }], kv.address);
          try {
            const owner = publish(cohorts.map((c) => c.identity));
            const base = workerd.url("mtls");
            for (const c of cohorts) {
              for (const cert of c.certificates) {
                const { hit } = await send(base, {
                  ...auth(cert),
                  [VERIFIED_COHORT_HEADER]: "someone-else",
                });
                expect(hit?.origin).toBe(owner.get(c.identity)?.name);
                expect(hit?.headers[VERIFIED_COHORT_HEADER]).toBe(c.identity);
              }
              const [cert = stranger] = c.certificates;
              const refused: [string, Record<string, string>][] = [
                [
                  "verification failed",
                  auth(cert, { certVerified: "FAILED:self signed certificate" }),
                ],
                ["not verified", auth(cert, { certVerified: "NONE" })],
                ["not presented", auth(cert, { certPresented: "0" })],
                ["revoked", auth(cert, { certRevoked: "1" })],
                ["unknown certificate", auth(stranger)],
                ["no client certificate", { [CF_BLOB_HEADER]: JSON.stringify({ country: "US" }) }],
                ["no request.cf", {}],
                ["raw header", { [VERIFIED_COHORT_HEADER]: c.identity }],
              ];
              for (const [what, headers] of refused) {
                expectDefault("mtls", await send(base, headers), what);
              }
            }
          } finally {
            await workerd.stop();
          }
        },
      ),
      { numRuns: 8 },
    );
  });
});
