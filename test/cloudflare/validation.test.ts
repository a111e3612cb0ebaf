/**
 * The Cloudflare edge's validation: one error naming every problem with its path and a hint,
 * and the property that no args can route one cohort to another's origin (a cohort's hostname
 * or identity taken by another is refused).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CohortSpecError } from "../../components/errors.js";
import {
  cloudflareEdgeProblems,
  validateCloudflareEdge,
} from "../../components/cloudflare/validate.js";
import type { CloudflareEdgeInput } from "../../components/cloudflare/schema.js";
import { edgeEnvironments, EXAMPLE } from "./support/environments.js";

const COHORTS = EXAMPLE.cohorts;

function problemsOf(input: unknown, cohorts: readonly string[] = COHORTS) {
  return cloudflareEdgeProblems(input, cohorts).problems;
}

function withInput(extra: Partial<CloudflareEdgeInput>): CloudflareEdgeInput {
  return { ...EXAMPLE.input, ...extra };
}

const UPSTREAM = "set by the auth gateway after verifying the session; client copies are removed";

describe("Cloudflare edge validation", () => {
  it("accepts the example and defaults every cohort's hostname and identity", () => {
    const spec = validateCloudflareEdge(EXAMPLE.input, COHORTS);
    expect(spec.cohorts).toEqual([
      { name: "free", hostname: "free.api.example.com", identity: "free", clientCertificates: [] },
      { name: "pro", hostname: "pro.api.example.com", identity: "pro", clientCertificates: [] },
      {
        name: "enterprise",
        hostname: "enterprise.api.example.com",
        identity: "enterprise",
        clientCertificates: [],
      },
    ]);
  });

  it("refuses header routing (Origin Rules) on a zone not declared Enterprise", () => {
    const problems = problemsOf(
      withInput({
        routing: "origin-rules",
        cohortSource: { kind: "trusted-header", trustedUpstream: UPSTREAM },
      }),
    );
    expect(problems).toEqual([
      expect.objectContaining({
        path: "cloudflare.routing",
        problem: expect.stringContaining("Enterprise plan") as unknown,
      }),
    ]);
  });

  it("refuses a raw client header (no trusted-upstream statement), for both routing kinds", () => {
    for (const routing of ["worker", "origin-rules"] as const) {
      const problems = problemsOf(
        withInput({
          routing,
          zone: { id: EXAMPLE.input.zone.id, name: "example.com", plan: "enterprise" },
          cohortSource: {
            kind: "trusted-header",
            ...(routing === "worker" ? { secretHeaderName: "x-up" } : {}),
          },
        }),
      );
      expect(problems.map((p) => p.path)).toEqual(["cloudflare.cohortSource.trustedUpstream"]);
      expect(problems[0]?.problem).toContain("unverified cohort source");
    }
  });

  it("refuses a shared hostname without a cohort source, and a signed cookie for Origin Rules", () => {
    expect(problemsOf(withInput({ cohortSource: undefined })).map((p) => p.path)).toEqual([
      "cloudflare.cohortSource",
    ]);
    const cookieRules = problemsOf(
      withInput({
        routing: "origin-rules",
        zone: { id: EXAMPLE.input.zone.id, name: "example.com", plan: "enterprise" },
      }),
    );
    expect(cookieRules.map((p) => p.path)).toEqual(["cloudflare.cohortSource.kind"]);
  });

  it("lists every missing or contradictory JWT setting in one error, each with its path and a hint", () => {
    const missing = problemsOf(withInput({ cohortSource: { kind: "jwt" } }));
    expect(missing.map((p) => p.path)).toEqual([
      "cloudflare.cohortSource.algorithm",
      "cloudflare.cohortSource.issuer",
      "cloudflare.cohortSource.audience",
    ]);
    expect(missing.every((p) => p.hint.length > 0)).toBe(true);
    const rsa = { kty: "RSA" as const, n: "AQAB", e: "AQAB" };
    const contradictory = problemsOf(
      withInput({
        routing: "origin-rules",
        zone: { id: EXAMPLE.input.zone.id, name: "example.com", plan: "enterprise" },
        cohortSource: {
          kind: "jwt",
          algorithm: "ES256",
          issuer: "https://auth.example.com/",
          audience: "api.example.com",
          jwks: { keys: [rsa] },
        },
      }),
    );
    expect(contradictory.map((p) => p.path)).toEqual([
      "cloudflare.cohortSource.kind",
      "cloudflare.cohortSource.jwks.keys[0].kty",
    ]);
    expect(contradictory[0]?.hint).toContain('routing "worker"');
    const hsWithKeys = problemsOf(
      withInput({
        cohortSource: {
          kind: "jwt",
          algorithm: "HS256",
          issuer: "https://auth.example.com/",
          audience: "api.example.com",
          jwks: { keys: [rsa] },
        },
      }),
    );
    expect(hsWithKeys.map((p) => p.path)).toEqual(["cloudflare.cohortSource.jwks"]);
    // A private key part is refused outright: only public keys belong in the config.
    const privatePart = problemsOf(
      withInput({
        cohortSource: {
          kind: "jwt",
          algorithm: "RS256",
          issuer: "https://auth.example.com/",
          audience: "api.example.com",
          jwks: { keys: [{ ...rsa, d: "AQAB" } as typeof rsa] },
        },
      }),
    );
    expect(privatePart.map((p) => p.path)).toEqual(["cloudflare.cohortSource.jwks.keys[0].d"]);
  });

  it("refuses mTLS cohorts without certificates, malformed fingerprints and a certificate shared by two cohorts", () => {
    const fp = "ab".repeat(32);
    const problems = problemsOf(
      withInput({
        cohortSource: { kind: "mtls" },
        cohorts: [
          { name: "free", clientCertificates: [fp, "AB:CD"] },
          { name: "pro", clientCertificates: [fp.toUpperCase()] },
        ],
      }),
    );
    expect(problems.map((p) => p.path)).toEqual([
      "cloudflare.cohorts[0].clientCertificates[1]",
      "cloudflare.cohorts[1].clientCertificates[0]",
      "cloudflare.cohorts.(enterprise).clientCertificates",
    ]);
    expect(problems[1]?.problem).toContain("also listed for cohort free");
    const notMtls = problemsOf(
      withInput({ cohorts: [{ name: "free", clientCertificates: [fp] }] }),
    );
    expect(notMtls.map((p) => p.path)).toEqual(["cloudflare.cohorts[0].clientCertificates"]);
  });

  it("refuses two cohorts with the same hostname, and a cohort on the shared hostname", () => {
    const problems = problemsOf(
      withInput({
        cohorts: [
          { name: "pro", hostname: "free.api.example.com" },
          { name: "enterprise", hostname: "api.example.com" },
        ],
      }),
    );
    expect(problems.map((p) => p.path)).toEqual([
      "cloudflare.cohorts[0].hostname",
      "cloudflare.cohorts[1].hostname",
    ]);
    expect(problems[0]?.problem).toContain('same hostname "free.api.example.com" as cohort free');
    expect(problems[1]?.problem).toContain("the shared hostname");
  });

  it("refuses hostnames outside the zone", () => {
    const problems = problemsOf(withInput({ hostname: "api.example.org", cohorts: [] }));
    expect(problems.map((p) => p.path)).toEqual(["cloudflare.hostname"]);
    const cohortOutside = problemsOf(
      withInput({ cohorts: [{ name: "pro", hostname: "pro.example.net" }] }),
    );
    expect(cohortOutside.map((p) => p.path)).toEqual(["cloudflare.cohorts[0].hostname"]);
    expect(cohortOutside[0]?.problem).toContain("outside the zone example.com");
  });

  it("refuses cohort names and identities that cannot be written safely into a rule", () => {
    const problems = problemsOf(
      withInput({ cohorts: [{ name: "pro", identity: 'pro" or true or "' }] }),
      ["free", "pro", "Bad Name"],
    );
    expect(problems.map((p) => p.path)).toEqual([
      "cloudflare.cohorts[0].identity",
      "cloudflare.cohorts.(Bad Name)",
    ]);
    expect(problems.every((p) => p.problem.includes("cannot be expressed safely"))).toBe(true);
  });

  it("names every problem at once in one CohortSpecError, with hints", () => {
    const bad = withInput({
      routing: "origin-rules",
      hostname: "api.example.org",
      cohortSource: { kind: "trusted-header" },
      cohorts: [{ name: "pro", hostname: "free.api.example.org" }, { name: "nope" }],
      cache: { sharedHostname: "shared" },
    });
    let error: unknown;
    try {
      validateCloudflareEdge(bad, COHORTS);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CohortSpecError);
    const paths = (error as CohortSpecError).problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "cloudflare.cohorts[1].name",
        "cloudflare.hostname",
        "cloudflare.cohorts[0].hostname",
        "cloudflare.routing",
        "cloudflare.cohortSource.trustedUpstream",
        "cloudflare.cache.reason",
      ]),
    );
    expect((error as CohortSpecError).problems.every((p) => p.hint.length > 0)).toBe(true);
    expect((error as Error).message).toContain("nothing was created");
  });

  it("schema issues carry their paths (bad plan, misspelled field)", () => {
    const problems = problemsOf({
      ...EXAMPLE.input,
      zone: { ...EXAMPLE.input.zone, plan: "gold" },
      proxy: true,
    });
    expect(problems.map((p) => p.path).sort()).toEqual([
      "cloudflare.proxy",
      "cloudflare.zone.plan",
    ]);
  });

  it("no args route one cohort to another's origin: taking another cohort's hostname or identity is refused", () => {
    fc.assert(
      fc.property(
        edgeEnvironments.filter((e) => e.cohorts.length >= 2),
        fc.nat(),
        fc.nat(),
        fc.boolean(),
        (env, i, j, byHostname) => {
          const from = env.cohorts[i % env.cohorts.length] ?? "";
          const others = env.cohorts.filter((c) => c !== from);
          const to = others[j % others.length] ?? "";
          const spec = validateCloudflareEdge(env.input, env.cohorts);
          const target = spec.cohorts.find((c) => c.name === to);
          const rest = (env.input.cohorts ?? []).filter((c) => c.name !== from);
          const stolen = byHostname
            ? { name: from, hostname: target?.hostname }
            : { name: from, identity: target?.identity };
          const { problems } = cloudflareEdgeProblems(
            { ...env.input, cohorts: [...rest, stolen] },
            env.cohorts,
          );
          const pair = [`cohort ${from} has the same`, `cohort ${to} has the same`];
          const taken = problems.filter((p) => p.problem.includes("has the same"));
          expect(taken, JSON.stringify(problems)).toHaveLength(1);
          expect(pair.some((start) => taken[0]?.problem.startsWith(start))).toBe(true);
          expect(taken[0]?.problem).toMatch(new RegExp(`as cohort (${from}|${to})$`));
        },
      ),
      { numRuns: 100 },
    );
  });
});
