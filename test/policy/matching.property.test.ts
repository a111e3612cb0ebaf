import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { COHORT_NAME_PATTERN } from "../../components/identity.js";
import { containsToken, exactBaseOf } from "../../policies/shared-nothing/lib/arn-match.js";
import { cohortsNamedIn } from "../../policies/shared-nothing/lib/named-cohorts.js";
import { UNKNOWN_SENTINELS, isUnknown } from "../../policies/shared-nothing/lib/unknowns.js";

/**
 * Properties of the matching the rules rest on: cohort names that prefix each other (pro,
 * pro-eu) must never be confused, a sub-resource wildcard on an exact ARN stays exact, and an
 * unknown anywhere inside a string makes it unknown.
 */
const cohortName = fc
  .stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/)
  .filter((s) => COHORT_NAME_PATTERN.test(s) && !s.includes("--"));
const kinds = ["-table", "-bucket", "-task", "-exec", "-tg", ""] as const;

describe("matching properties", () => {
  it("a conventional name resolves to exactly its own cohort, even when cohorts prefix each other", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(cohortName, { minLength: 1, maxLength: 6 }),
        fc.nat(),
        fc.constantFrom(...kinds),
        (names, pick, kind) => {
          const cohort = names[pick % names.length];
          const known = [...names, `${cohort}-eu`];
          // Truly ambiguous names (another cohort is literally "<cohort><kind>…") are excluded.
          fc.pre(!known.some((k) => k.length > cohort.length && `${cohort}${kind}`.startsWith(k)));
          const arn = `arn:aws:dynamodb:eu-west-1:111122223333:table/svc-prod-${cohort}${kind}`;
          expect(cohortsNamedIn(arn, "prod", known)).toEqual([cohort]);
          expect(cohortsNamedIn(`${arn}/index/*`, "prod", known)).toEqual([cohort]);
          // Another environment's name is not this environment's cohort.
          expect(cohortsNamedIn(arn, "staging", known)).toEqual([]);
        },
      ),
    );
  });

  it("a physical name is found as a whole token, never inside a longer name", () => {
    fc.assert(
      fc.property(cohortName, cohortName, (a, b) => {
        const short = `svc-prod-${a}`;
        const long = `svc-prod-${a}-${b}`;
        expect(containsToken(`arn:aws:s3:::${short}/*`, short)).toBe(true);
        expect(containsToken(`arn:aws:s3:::${long}/*`, short)).toBe(false);
      }),
    );
  });

  it("only sub-resource wildcards on an exact ARN stay exact", () => {
    fc.assert(
      fc.property(cohortName, (c) => {
        const table = `arn:aws:dynamodb:eu-west-1:111122223333:table/svc-prod-${c}-table`;
        expect(exactBaseOf(table)).toBe(table);
        expect(exactBaseOf(`${table}/index/*`)).toBe(table);
        expect(exactBaseOf(`arn:aws:s3:::svc-prod-${c}-bucket/*`)).toBe(
          `arn:aws:s3:::svc-prod-${c}-bucket`,
        );
        expect(
          exactBaseOf(`arn:aws:dynamodb:eu-west-1:111122223333:table/svc-prod-${c}*`),
        ).toBeUndefined();
        expect(exactBaseOf(`arn:aws:s3:::svc-prod-${c}*/*`)).toBeUndefined();
      }),
    );
  });

  it("a string that embeds an unknown is unknown", () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.constantFrom(...UNKNOWN_SENTINELS),
        fc.string(),
        (pre, sentinel, post) => {
          expect(isUnknown(`${pre}${sentinel}${post}`)).toBe(true);
        },
      ),
    );
    expect(isUnknown("arn:aws:dynamodb:eu-west-1:111122223333:table/svc-prod-free-table")).toBe(
      false,
    );
  });
});
