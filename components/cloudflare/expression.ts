/**
 * Cloudflare Rules language expressions for cohort routing. Values are written as quoted
 * string literals with `\` and `"` escaped, and every value we emit must also pass
 * SAFE_RULE_VALUE first: a cohort's value then can neither end its literal early nor smuggle
 * an operator (`" or true or "`) into the rule, whatever the escaping rules of the day.
 */

/** Values the component writes into an expression: letters, digits, `.`, `_`, `~`, `-`. */
export const SAFE_RULE_VALUE = /^[A-Za-z0-9._~-]{1,64}$/;

export function isSafeRuleValue(value: string): boolean {
  return SAFE_RULE_VALUE.test(value);
}

/** A Rules-language string literal: `"…"` with backslash and double quote escaped. */
export function quoteRuleString(value: string): string {
  return `"${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

/** `http.host eq "<host>"`. */
export function hostExpression(host: string): string {
  return `http.host eq ${quoteRuleString(host)}`;
}

/**
 * The shared hostname's requests whose cohort header (set by the trusted upstream) carries
 * exactly `value`: `[0]` is the first value, so a second copy appended by a client cannot
 * win over the upstream's.
 */
export function cohortHeaderExpression(host: string, headerName: string, value: string): string {
  if (!isSafeRuleValue(value)) {
    throw new Error(`cohort value ${JSON.stringify(value)} cannot be written into a rule safely`);
  }
  return `${hostExpression(host)} and http.request.headers[${quoteRuleString(headerName)}][0] eq ${quoteRuleString(value)}`;
}
