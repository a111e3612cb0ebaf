/**
 * The edge router's exact source, run in the real Workers runtime (workerd), with its route
 * entries in KV and its origins on 127.0.0.1: each cohort's requests reach only that cohort's
 * origin; a forged, expired, swapped or missing identity reaches the default, never a cohort.
 * One workerd serves both routers (signed cookie, trusted header) for the whole file.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signCohortCookie } from "../../components/cloudflare/cookie.js";
import { routeEntryKey } from "../../components/cloudflare/hostnames.js";
import { VERIFIED_COHORT_HEADER } from "../../components/cloudflare/router-source.js";
import type { RouteEntry } from "../../components/cloudflare/worker.js";
import {
  startKv,
  startOrigin,
  startWorkerd,
  type KvBackend,
  type Origin,
  type OriginHit,
  type Workerd,
} from "./support/workerd.js";

const SIGNING_KEY = "test-signing-key-0123456789abcdef";
const UPSTREAM_SECRET = "upstream-shared-secret-abcdef0123";
const COOKIE = "cohort";
const COHORT_HEADER = "x-customer-cohort";
const SECRET_HEADER = "x-upstream-secret";
/** Origins handed to random cohorts, one each per run. */
const SLOTS = 4;

let kv: KvBackend;
let workerd: Workerd;
let fallback: Origin;
const slots: Origin[] = [];

beforeAll(async () => {
  kv = await startKv();
  fallback = await startOrigin("default");
  for (let i = 0; i < SLOTS; i++) slots.push(await startOrigin(`slot-${i}`));
  workerd = await startWorkerd(
    [
      {
        name: "cookie",
        secret: SIGNING_KEY,
        config: {
          source: { kind: "signed-cookie", cookieName: COOKIE },
          defaultOrigin: fallback.url,
        },
      },
      {
        name: "header",
        secret: UPSTREAM_SECRET,
        config: {
          source: {
            kind: "trusted-header",
            headerName: COHORT_HEADER,
            secretHeaderName: SECRET_HEADER,
          },
          defaultOrigin: null,
        },
      },
    ],
    kv.address,
  );
}, 60_000);

afterAll(async () => {
  await workerd?.stop();
  await Promise.all([kv?.stop(), fallback?.stop(), ...slots.map((s) => s.stop())]);
});

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

const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

async function viaCookie(
  cookie: string | undefined,
  path = "/orders?id=1",
): Promise<{ status: number; hit?: OriginHit }> {
  const res = await fetch(`${workerd.url("cookie")}${path}`, {
    headers: cookie === undefined ? {} : { cookie },
  });
  return res.headers.get("content-type") === "application/json"
    ? { status: res.status, hit: (await res.json()) as OriginHit }
    : { status: res.status };
}

async function viaHeader(
  headers: Record<string, string>,
): Promise<{ status: number; body: string; hit?: OriginHit }> {
  const res = await fetch(`${workerd.url("header")}/x`, { headers });
  const body = await res.text();
  return res.headers.get("content-type") === "application/json"
    ? { status: res.status, body, hit: JSON.parse(body) as OriginHit }
    : { status: res.status, body };
}

const identity = fc.stringMatching(/^[A-Za-z0-9._~-]{1,64}$/);
const cohortSets = fc.uniqueArray(identity, { minLength: 1, maxLength: SLOTS });

describe("router in workerd: signed cookie", () => {
  it("sends each cohort's requests to its own origin only, path and query intact", async () => {
    await fc.assert(
      fc.asyncProperty(cohortSets, async (cohorts) => {
        const owner = publish(cohorts);
        for (const cohort of cohorts) {
          const { status, hit } = await viaCookie(
            `${COOKIE}=${signCohortCookie(cohort, inAnHour(), SIGNING_KEY)}`,
          );
          expect(status).toBe(200);
          expect(hit?.origin).toBe(owner.get(cohort)?.name);
          expect(hit?.headers[VERIFIED_COHORT_HEADER]).toBe(cohort);
          expect(hit?.path).toBe("/orders?id=1");
        }
      }),
      { numRuns: 20 },
    );
  });

  it("sends forged, swapped, expired and missing identities to the default, never to a cohort", async () => {
    await fc.assert(
      fc.asyncProperty(
        cohortSets.filter((c) => c.length >= 2),
        fc.string({ maxLength: 80 }),
        async (cohorts, junk) => {
          publish(cohorts);
          const [a = "", b = ""] = cohorts;
          const valid = signCohortCookie(a, inAnHour(), SIGNING_KEY);
          const signature = valid.slice(valid.lastIndexOf(".") + 1);
          const expires = valid.split(".").at(-2) ?? "";
          const forged = [
            undefined,
            `${COOKIE}=${signCohortCookie(b, inAnHour(), "not-the-signing-key")}`,
            // a's signature on b's name
            `${COOKIE}=${b}.${expires}.${signature}`,
            // a's cookie with a later expiry
            `${COOKIE}=${a}.${Number(expires) + 1}.${signature}`,
            `${COOKIE}=${signCohortCookie(a, Math.floor(Date.now() / 1000) - 10, SIGNING_KEY)}`,
            `${COOKIE}=${b}`,
            `${COOKIE}=${junk}`,
            `other=${valid}`,
            `${VERIFIED_COHORT_HEADER}=${b}`,
          ];
          for (const cookie of forged) {
            const { status, hit } = await viaCookie(cookie);
            expect(status, String(cookie)).toBe(200);
            expect(hit?.origin, String(cookie)).toBe("default");
            expect(hit?.headers[VERIFIED_COHORT_HEADER]).toBeUndefined();
          }
        },
      ),
      { numRuns: 10 },
    );
  });

  it("a client's own x-verified-cohort header never reaches an origin", async () => {
    publish(["free", "pro"]);
    const res = await fetch(`${workerd.url("cookie")}/`, {
      headers: {
        cookie: `${COOKIE}=${signCohortCookie("free", inAnHour(), SIGNING_KEY)}`,
        [VERIFIED_COHORT_HEADER]: "pro",
      },
    });
    const hit = (await res.json()) as OriginHit;
    expect(hit.origin).toBe("slot-0");
    expect(hit.headers[VERIFIED_COHORT_HEADER]).toBe("free");
    const anonymous = await fetch(`${workerd.url("cookie")}/`, {
      headers: { [VERIFIED_COHORT_HEADER]: "pro" },
    });
    const anonymousHit = (await anonymous.json()) as OriginHit;
    expect(anonymousHit.origin).toBe("default");
    expect(anonymousHit.headers[VERIFIED_COHORT_HEADER]).toBeUndefined();
  });

  it("a verified cohort whose entry is missing, or filed under its key for another cohort, gets the default", async () => {
    publish(["free", "pro"]);
    kv.entries.delete(routeEntryKey("free"));
    // pro's key holding an entry for free (a misfiled entry) is not followed
    kv.entries.set(routeEntryKey("pro"), JSON.stringify({ cohort: "free", origin: slots[0]?.url }));
    for (const cohort of ["free", "pro"]) {
      const { hit } = await viaCookie(
        `${COOKIE}=${signCohortCookie(cohort, inAnHour(), SIGNING_KEY)}`,
      );
      expect(hit?.origin).toBe("default");
    }
  });
});

describe("router in workerd: header from a trusted upstream", () => {
  it("routes the upstream's cohort header to that cohort's origin, and strips the secret", async () => {
    await fc.assert(
      fc.asyncProperty(cohortSets, async (cohorts) => {
        const owner = publish(cohorts);
        for (const cohort of cohorts) {
          const { status, hit } = await viaHeader({
            [COHORT_HEADER]: cohort,
            [SECRET_HEADER]: UPSTREAM_SECRET,
          });
          expect(status).toBe(200);
          expect(hit?.origin).toBe(owner.get(cohort)?.name);
          expect(hit?.headers[VERIFIED_COHORT_HEADER]).toBe(cohort);
          expect(hit?.headers[SECRET_HEADER]).toBeUndefined();
          expect(hit?.headers[COHORT_HEADER]).toBeUndefined();
        }
      }),
      { numRuns: 20 },
    );
  });

  it("a cohort header without the upstream's secret (a raw client header) reaches no cohort", async () => {
    await fc.assert(
      fc.asyncProperty(cohortSets, fc.string({ maxLength: 60 }), async (cohorts, guess) => {
        fc.pre(guess !== UPSTREAM_SECRET);
        publish(cohorts);
        for (const cohort of cohorts) {
          const attempts: Record<string, string>[] = [
            { [COHORT_HEADER]: cohort },
            { [COHORT_HEADER]: cohort, [SECRET_HEADER]: guess },
            { [COHORT_HEADER]: cohort, [SECRET_HEADER]: UPSTREAM_SECRET.slice(0, -1) },
          ];
          for (const headers of attempts) {
            const { status, body } = await viaHeader(headers);
            expect(status).toBe(404);
            expect(body).toBe("unknown cohort");
          }
        }
      }),
      { numRuns: 10 },
    );
  });
});
