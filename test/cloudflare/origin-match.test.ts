/**
 * A cohort behind Cloudflare must be recognised by its own front door by the Host Cloudflare
 * sends (its own Cloudflare hostname): on AWS and on Kubernetes, a shared front door's match
 * without that hostname, a header-only match, or hosts that name another cohort's hostname or
 * the shared one are each reported, all in one error with their paths and hints.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CohortSegmentedServiceArgs } from "../../components/args.js";
import { hostPatternMatches } from "../../components/cloudflare/origin-match.js";
import { CohortSpecError } from "../../components/errors.js";
import type { CohortSpecInput } from "../../components/spec.js";
import { validateArgs } from "../../components/validate.js";
import { cohort, NETWORK, pin } from "../component/support/args.js";
import { KUBERNETES } from "../kubernetes/support/args.js";
import { EXAMPLE } from "./support/environments.js";

function args(
  platform: "aws" | "kubernetes",
  cohorts: CohortSpecInput[],
  cloudflare: Record<string, unknown> = {},
): CohortSegmentedServiceArgs {
  return {
    environment: { name: "prod", platform, cohorts },
    part: "all",
    pins: Object.fromEntries(cohorts.map((c) => [c.name, pin()])),
    ...(platform === "aws"
      ? { network: NETWORK }
      : { kubernetes: { ...KUBERNETES, gateway: { address: "203.0.113.10" } } }),
    cloudflare: { ...EXAMPLE.input, ...cloudflare },
    cloudflareSecret: "cookie-signing-key-for-tests",
  };
}

function problemsOf(a: CohortSegmentedServiceArgs) {
  try {
    validateArgs("svc", a);
    return [];
  } catch (error) {
    if (!(error instanceof CohortSpecError)) throw error;
    return error.problems;
  }
}

const hosts = (...h: string[]) => ({ match: { hosts: h } });

describe.each(["aws", "kubernetes"] as const)("cohorts behind Cloudflare on %s", (platform) => {
  it("accepts each cohort matching its own Cloudflare hostname", () => {
    const problems = problemsOf(
      args(platform, [
        cohort("free", 0, hosts("free.api.example.com")),
        cohort("pro", 1, { match: { hosts: ["pro.api.example.com"], header: "pro" } }),
      ]),
    );
    expect(problems).toEqual([]);
  });

  it("reports every mismatch in one error, each with its path and a hint", () => {
    const problems = problemsOf(
      args(
        platform,
        [
          // header only: a client could pick any cohort through Cloudflare
          cohort("free", 0),
          // not its own hostname
          cohort("pro", 1, hosts("pro.example.com")),
          // another cohort's hostname (by wildcard) and the shared one
          cohort(
            "enterprise",
            2,
            hosts("ent.api.example.com", "*.api.example.com", "api.example.com"),
          ),
        ],
        { cohorts: [{ name: "enterprise", hostname: "ent.api.example.com" }] },
      ),
    );
    const at = (i: number, rest: string) => `environment.cohorts[${i}].match.${rest}`;
    expect(problems.map((p) => p.path)).toEqual([
      at(0, "hosts"),
      at(1, "hosts"),
      at(2, "hosts[1]"),
      at(2, "hosts[1]"),
      at(2, "hosts[2]"),
    ]);
    expect(problems[0]?.hint).toContain('hosts: ["free.api.example.com"]');
    expect(problems[1]?.problem).toContain('Cloudflare hostname "pro.api.example.com"');
    expect(problems[2]?.problem).toContain("cohort free's Cloudflare hostname");
    expect(problems[3]?.problem).toContain("cohort pro's Cloudflare hostname");
    expect(problems[4]?.problem).toContain("the shared hostname");
    expect(problems.every((p) => p.hint.length > 0)).toBe(true);
  });
});

describe("a dedicated AWS load balancer behind Cloudflare", () => {
  it("needs no host match, but must not name another cohort's hostname", () => {
    const dedicated = (extra: Partial<CohortSpecInput>) =>
      cohort("pro", 1, { ingress: "dedicated", ...extra });
    expect(
      problemsOf(args("aws", [cohort("free", 0, hosts("free.api.example.com")), dedicated({})])),
    ).toEqual([]);
    const problems = problemsOf(
      args("aws", [
        cohort("free", 0, hosts("free.api.example.com")),
        dedicated(hosts("free.api.example.com")),
      ]),
    );
    // The core reports the two equal matches; this check, the hostname taken.
    expect(problems.map((p) => p.path)).toEqual([
      "environment.cohorts[1].match",
      "environment.cohorts[1].match.hosts[0]",
    ]);
  });
});

describe("host patterns", () => {
  const label = fc.stringMatching(/^[a-z0-9]{1,10}$/);
  it("an exact host matches itself only; a wildcard matches one or more labels in front of its suffix", () => {
    fc.assert(
      fc.property(fc.array(label, { minLength: 2, maxLength: 4 }), label, (labels, extra) => {
        const host = labels.join(".");
        const suffix = labels.slice(1).join(".");
        expect(hostPatternMatches(host, host)).toBe(true);
        expect(hostPatternMatches(`${extra}.${host}`, host)).toBe(false);
        expect(hostPatternMatches(`*.${suffix}`, host)).toBe(true);
        expect(hostPatternMatches(`*.${host}`, host)).toBe(false);
        expect(hostPatternMatches(`*.${suffix}`, `${extra}x${suffix}`)).toBe(false);
      }),
    );
  });
});
