/**
 * Validation of the Cloudflare edge's inputs against the environment's cohorts: schema issues,
 * plan limits, trust of the cohort source, hostnames (inside the zone, one per cohort) and
 * values that must be written into rule expressions. Every problem is collected, with its path
 * and a hint, so the caller can report them with the environment's own in one CohortSpecError.
 */
import { CohortSpecError, formatPath, zodProblems, type SpecProblem } from "../errors.js";
import { COHORT_NAME_PATTERN } from "../identity.js";
import { isSafeRuleValue } from "./expression.js";
import { defaultCohortHostname, isInZone } from "./hostnames.js";
import {
  cloudflareEdgeSchema,
  type CloudflareCohort,
  type CloudflareEdgeSpec,
  type CloudflarePlan,
  type CohortSource,
} from "./schema.js";

/** Rules per phase entry-point ruleset, by plan (providers.md 3.1 A). */
export const ORIGIN_RULE_QUOTA: Record<CloudflarePlan, number> = {
  free: 10,
  pro: 25,
  business: 50,
  enterprise: 300,
};

type Path = readonly PropertyKey[];

function problem(path: Path, text: string, hint: string): SpecProblem {
  return { path: formatPath(path), problem: text, hint };
}

function cohortsOf(
  parsed: ReturnType<typeof cloudflareEdgeSchema.parse>,
  names: readonly string[],
  at: Path,
  problems: SpecProblem[],
): CloudflareCohort[] {
  const byName = new Map<
    string,
    { index: number; hostname?: string; identity?: string; clientCertificates?: string[] }
  >();
  parsed.cohorts.forEach((c, index) => {
    const path = [...at, "cohorts", index, "name"];
    if (!names.includes(c.name)) {
      problems.push(
        problem(
          path,
          `unknown cohort "${c.name}"`,
          `one of the environment's cohorts: ${names.join(", ")}`,
        ),
      );
    } else if (byName.has(c.name)) {
      problems.push(problem(path, `duplicate "${c.name}"`, "list each cohort at most once"));
    } else {
      byName.set(c.name, {
        index,
        ...(c.hostname !== undefined ? { hostname: c.hostname } : {}),
        ...(c.identity !== undefined ? { identity: c.identity } : {}),
        ...(c.clientCertificates !== undefined ? { clientCertificates: c.clientCertificates } : {}),
      });
    }
  });
  return names.map((name) => {
    const own = byName.get(name);
    return {
      name,
      hostname: own?.hostname ?? defaultCohortHostname(name, parsed.hostname),
      identity: own?.identity ?? name,
      // Fingerprints compare lowercase (the router lowercases the presented one).
      clientCertificates: (own?.clientCertificates ?? []).map((id) =>
        parsed.cohortSource?.kind === "mtls" &&
        parsed.cohortSource.certificateIdentity === "sha256-fingerprint"
          ? id.toLowerCase()
          : id,
      ),
    };
  });
}

/** Where a cohort's settings are written: its `cohorts[i]` entry, else the environment's cohort. */
function cohortPath(
  parsed: { cohorts: { name: string }[] },
  name: string,
  at: Path,
  field: string,
) {
  const index = parsed.cohorts.findIndex((c) => c.name === name);
  return index >= 0 ? [...at, "cohorts", index, field] : [...at, "cohorts", `(${name})`, field];
}

function hostnameProblems(
  spec: CloudflareEdgeSpec,
  parsed: { cohorts: { name: string }[] },
  at: Path,
): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const zone = spec.zone.name;
  const inZoneHint = `a name under the zone ${zone}, e.g. api.${zone}`;
  if (!isInZone(spec.hostname, zone)) {
    problems.push(
      problem([...at, "hostname"], `"${spec.hostname}" is outside the zone ${zone}`, inZoneHint),
    );
  }
  const seen = new Map<string, string>();
  if (spec.routing !== "hostname") seen.set(spec.hostname, "the shared hostname");
  for (const c of spec.cohorts) {
    const path = cohortPath(parsed, c.name, at, "hostname");
    if (!isInZone(c.hostname, zone) && isInZone(spec.hostname, zone)) {
      problems.push(
        problem(
          path,
          `cohort ${c.name}'s hostname "${c.hostname}" is outside the zone ${zone}`,
          inZoneHint,
        ),
      );
    }
    const other = seen.get(c.hostname);
    if (other !== undefined) {
      problems.push(
        problem(
          path,
          `cohort ${c.name} has the same hostname "${c.hostname}" as ${other}`,
          "give every cohort a hostname of its own: one hostname reaches one cohort's origin",
        ),
      );
    } else seen.set(c.hostname, `cohort ${c.name}`);
  }
  return problems;
}

function expressionProblems(
  spec: CloudflareEdgeSpec,
  parsed: { cohorts: { name: string }[] },
  at: Path,
): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const identities = new Map<string, string>();
  for (const c of spec.cohorts) {
    if (!COHORT_NAME_PATTERN.test(c.name) || !isSafeRuleValue(c.name)) {
      problems.push(
        problem(
          [...at, "cohorts", `(${c.name})`],
          `cohort name ${JSON.stringify(c.name)} cannot be expressed safely in a hostname, tag or rule expression`,
          "lowercase letters, digits and '-', 1-20 chars, starting with a letter",
        ),
      );
    }
    // An identity defaulted from an unsafe name is the name's problem, reported above.
    if (!isSafeRuleValue(c.identity) && (c.identity !== c.name || isSafeRuleValue(c.name))) {
      problems.push(
        problem(
          cohortPath(parsed, c.name, at, "identity"),
          `cohort ${c.name}'s identity ${JSON.stringify(c.identity)} cannot be expressed safely in a rule expression or credential`,
          "1-64 letters, digits, '.', '_', '~' or '-'",
        ),
      );
    }
    const other = identities.get(c.identity);
    if (other !== undefined) {
      problems.push(
        problem(
          cohortPath(parsed, c.name, at, "identity"),
          `cohort ${c.name} has the same identity "${c.identity}" as cohort ${other}`,
          "one credential value must select exactly one cohort",
        ),
      );
    } else identities.set(c.identity, c.name);
  }
  return problems;
}

function trustProblems(spec: CloudflareEdgeSpec, at: Path): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const source = spec.cohortSource;
  const sourcePath = [...at, "cohortSource"];
  if (spec.routing === "hostname") {
    if (source !== undefined) {
      problems.push(
        problem(
          sourcePath,
          "is set but routing is hostname (each cohort has its own hostname)",
          'set routing to "worker" or "origin-rules", or remove cohortSource',
        ),
      );
    }
    return problems;
  }
  if (spec.routing === "origin-rules" && spec.zone.plan !== "enterprise") {
    problems.push(
      problem(
        [...at, "routing"],
        `header routing with Origin Rules needs the Enterprise plan (zone ${spec.zone.name} is declared ${spec.zone.plan}): the DNS-record, Host header and SNI overrides are Enterprise-only`,
        'use routing "worker" (every plan) or "hostname", or declare zone.plan "enterprise" if the zone is on it',
      ),
    );
  }
  if (source === undefined) {
    problems.push(
      problem(
        sourcePath,
        `routing "${spec.routing}" needs the cohort's source`,
        'a signed cookie ({ kind: "signed-cookie" }), a verified JWT claim ({ kind: "jwt", … }), a client certificate ({ kind: "mtls" }) or a header set by an upstream you trust ({ kind: "trusted-header", trustedUpstream: "…" })',
      ),
    );
    return problems;
  }
  if (source.kind === "signed-cookie" && spec.routing === "origin-rules") {
    problems.push(
      problem(
        [...sourcePath, "kind"],
        "Origin Rules cannot verify a signed cookie: they would route on its raw value",
        'use routing "worker" with a signed cookie, or a trusted-header source',
      ),
    );
  }
  if (source.kind === "trusted-header") {
    if (source.trustedUpstream === undefined) {
      problems.push(
        problem(
          [...sourcePath, "trustedUpstream"],
          `unverified cohort source: header ${source.headerName} is a raw client header, so any client could pick its cohort`,
          "state who sets the header and that client copies are stripped (trustedUpstream), or use a signed cookie",
        ),
      );
    }
    if (spec.routing === "worker" && source.secretHeaderName === undefined) {
      problems.push(
        problem(
          [...sourcePath, "secretHeaderName"],
          "the Worker needs the header in which the trusted upstream presents its shared secret",
          "name that header (e.g. x-upstream-secret) and give the secret to the edge builder",
        ),
      );
    }
    if (spec.routing === "origin-rules" && source.secretHeaderName !== undefined) {
      problems.push(
        problem(
          [...sourcePath, "secretHeaderName"],
          "Origin Rules cannot check a shared secret without writing it into the ruleset",
          'use routing "worker" to check the secret, or rely on the trusted upstream alone',
        ),
      );
    }
  }
  if (source.kind === "jwt" || source.kind === "mtls") {
    if (spec.routing === "origin-rules") {
      problems.push(
        problem(
          [...sourcePath, "kind"],
          `Origin Rules cannot map a ${source.kind === "jwt" ? "verified JWT claim" : "client certificate"} to a cohort's origin`,
          'use routing "worker": the Worker verifies it and routes by it',
        ),
      );
    }
    problems.push(...(source.kind === "jwt" ? jwtProblems(source, sourcePath) : []));
  }
  if (spec.routing === "origin-rules") {
    const quota = ORIGIN_RULE_QUOTA[spec.zone.plan];
    if (spec.cohorts.length > quota) {
      problems.push(
        problem(
          [...at, "cohorts"],
          `${spec.cohorts.length} cohorts need ${spec.cohorts.length} origin rules; the ${spec.zone.plan} plan allows ${quota}`,
          'use routing "worker" or "hostname"',
        ),
      );
    }
  }
  return problems;
}

/** Every missing or contradictory setting of a JWT source, so one error lists them all. */
function jwtProblems(source: Extract<CohortSource, { kind: "jwt" }>, at: Path): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const missing = (field: string, hint: string) =>
    problems.push(problem([...at, field], "is required for a JWT cohort source", hint));
  if (source.algorithm === undefined) {
    missing(
      "algorithm",
      'the one algorithm your issuer signs with: "HS256" (key: the edge secret), "RS256" or "ES256" (key: jwks)',
    );
  }
  if (source.issuer === undefined)
    missing("issuer", "the token's iss, e.g. https://auth.example.com/");
  if (source.audience === undefined)
    missing("audience", "the token's aud for this service, e.g. api.example.com");
  const asymmetric = source.algorithm === "RS256" || source.algorithm === "ES256";
  if (asymmetric) {
    const kty = source.algorithm === "RS256" ? "RSA" : "EC";
    if (source.jwks === undefined) {
      missing("jwks", `the issuer's public keys ({ keys: [{ kty: "${kty}", … }] }) from its JWKS`);
    } else {
      source.jwks.keys.forEach((key, index) => {
        if (key.kty !== kty) {
          problems.push(
            problem(
              [...at, "jwks", "keys", index, "kty"],
              `is ${key.kty} but ${source.algorithm ?? ""} verifies with ${kty} keys only`,
              `give the issuer's ${kty} keys, or the algorithm its ${key.kty} keys sign with`,
            ),
          );
        }
      });
    }
  }
  if (source.algorithm === "HS256" && source.jwks !== undefined) {
    problems.push(
      problem(
        [...at, "jwks"],
        "is given with HS256, whose key is the edge's secret",
        'drop jwks, or set algorithm to "RS256" or "ES256"',
      ),
    );
  }
  return problems;
}

/** mTLS: every cohort lists its certificates, and no certificate is listed for two cohorts. */
function certificateProblems(
  spec: CloudflareEdgeSpec,
  parsed: { cohorts: { name: string; clientCertificates?: string[] | undefined }[] },
  at: Path,
): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const source = spec.cohortSource;
  if (source?.kind !== "mtls") {
    parsed.cohorts.forEach((c, index) => {
      if (c.clientCertificates !== undefined) {
        problems.push(
          problem(
            [...at, "cohorts", index, "clientCertificates"],
            "is set but the cohort source is not mtls",
            'set cohortSource to { kind: "mtls" }, or remove clientCertificates',
          ),
        );
      }
    });
    return problems;
  }
  const owner = new Map<string, string>();
  for (const c of spec.cohorts) {
    const path = cohortPath(parsed, c.name, at, "clientCertificates");
    if (c.clientCertificates.length === 0) {
      problems.push(
        problem(
          path,
          `cohort ${c.name} has no client certificates, so no request could reach it`,
          source.certificateIdentity === "sha256-fingerprint"
            ? "list the SHA-256 fingerprints (64 hex digits) of its clients' certificates"
            : "list the RFC 2253 subject DNs of its clients' certificates, e.g. CN=client,O=Example",
        ),
      );
    }
    c.clientCertificates.forEach((id, index) => {
      if (source.certificateIdentity === "sha256-fingerprint" && !/^[0-9a-f]{64}$/.test(id)) {
        problems.push(
          problem(
            [...path, index],
            `${JSON.stringify(id)} is not a SHA-256 fingerprint`,
            "64 hex digits without ':' (Cloudflare's certFingerprintSHA256)",
          ),
        );
      }
      const other = owner.get(id);
      if (other !== undefined && other !== c.name) {
        problems.push(
          problem(
            [...path, index],
            `certificate ${JSON.stringify(id)} is also listed for cohort ${other}`,
            "one client certificate must select exactly one cohort",
          ),
        );
      } else owner.set(id, c.name);
    });
  }
  return problems;
}

function cacheProblems(spec: CloudflareEdgeSpec, at: Path): SpecProblem[] {
  if (spec.cache.sharedHostname === "shared" && spec.cache.reason === undefined) {
    return [
      problem(
        [...at, "cache", "reason"],
        "sharing the cache of the shared hostname across cohorts needs a stated reason",
        "say why a response cached for one cohort is safe for every other (e.g. no cacheable responses), or keep bypass",
      ),
    ];
  }
  return [];
}

/**
 * Validates the Cloudflare edge against the environment's cohort names (in rollout order).
 * `at` prefixes every problem's path (e.g. `["edge", "cloudflare"]`).
 */
export function cloudflareEdgeProblems(
  raw: unknown,
  cohortNames: readonly string[],
  at: Path = ["cloudflare"],
): { spec: CloudflareEdgeSpec | undefined; problems: SpecProblem[] } {
  const parsed = cloudflareEdgeSchema.safeParse(raw);
  if (!parsed.success) return { spec: undefined, problems: zodProblems(at, parsed.error) };
  const problems: SpecProblem[] = [];
  const data = parsed.data;
  const spec: CloudflareEdgeSpec = {
    accountId: data.accountId,
    zone: data.zone,
    routing: data.routing,
    hostname: data.hostname,
    cohortSource: data.cohortSource,
    cohorts: cohortsOf(data, cohortNames, at, problems),
    cache: data.cache,
    loadBalancing: data.loadBalancing,
  };
  problems.push(
    ...expressionProblems(spec, data, at),
    ...hostnameProblems(spec, data, at),
    ...trustProblems(spec, at),
    ...certificateProblems(spec, data, at),
    ...cacheProblems(spec, at),
  );
  return { spec: problems.length === 0 ? spec : undefined, problems };
}

/** Validates, or throws one CohortSpecError naming every problem. */
export function validateCloudflareEdge(
  raw: unknown,
  cohortNames: readonly string[],
  at: Path = ["cloudflare"],
): CloudflareEdgeSpec {
  const { spec, problems } = cloudflareEdgeProblems(raw, cohortNames, at);
  if (spec === undefined) throw new CohortSpecError("Cloudflare edge", problems);
  return spec;
}
