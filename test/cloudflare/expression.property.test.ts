/**
 * Rule expressions are well formed for every legal cohort value, quoting included: the parser
 * reads back exactly the host, header and value written; a value that could break out of its
 * literal is refused before it reaches an expression.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  cohortHeaderExpression,
  isSafeRuleValue,
  quoteRuleString,
} from "../../components/cloudflare/expression.js";
import { COHORT_NAME_PATTERN } from "../../components/identity.js";
import { parseRuleExpression, unquote } from "./support/rule-expression.js";

const safeValue = fc.stringMatching(/^[A-Za-z0-9._~-]{1,64}$/);
const cohortName = fc.stringMatching(COHORT_NAME_PATTERN);

describe("rule expressions", () => {
  it("every cohort name is a safe rule value", () => {
    fc.assert(fc.property(cohortName, (name) => isSafeRuleValue(name)));
  });

  it("a cohort's expression parses back to the shared host and its own value only", () => {
    fc.assert(
      fc.property(safeValue, fc.stringMatching(/^[a-z0-9-]{1,40}$/), (value, header) => {
        const parsed = parseRuleExpression(
          cohortHeaderExpression("api.example.com", header, value),
        );
        expect(parsed).toEqual([
          { field: "http.host", value: "api.example.com" },
          { field: `http.request.headers[${header}][0]`, value },
        ]);
      }),
      { numRuns: 300 },
    );
  });

  it("quoting round-trips any string, quotes and backslashes included, as one literal", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary-ascii", maxLength: 40 }), (value) => {
        const literal = quoteRuleString(value);
        expect(unquote(literal)).toBe(value);
        expect(parseRuleExpression(`http.host eq ${literal}`)).toEqual([
          { field: "http.host", value },
        ]);
      }),
      { numRuns: 300 },
    );
  });

  it("values that are not safe are refused before they reach an expression", () => {
    for (const bad of ['pro" or true or "', "a b", "", "x".repeat(65), "pro\\", "é"]) {
      expect(isSafeRuleValue(bad)).toBe(false);
      expect(() => cohortHeaderExpression("api.example.com", "x-customer-cohort", bad)).toThrow(
        /cannot be written into a rule safely/,
      );
    }
  });
});
