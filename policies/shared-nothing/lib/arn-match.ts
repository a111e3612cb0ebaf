/**
 * Matching identifiers (ARNs, physical names, hostnames) inside strings without prefix
 * confusion: `svc-prod-pro` must not be found inside `svc-prod-pro-eu-table`, while
 * `${table.arn}/index/*` and `https://bucket.s3.amazonaws.com` must still count as references.
 */
const WORD = /[A-Za-z0-9_-]/;

/** True when `needle` occurs in `haystack` as a whole token (not as part of a longer name). */
export function containsToken(haystack: string, needle: string): boolean {
  if (needle === "") return false;
  let from = 0;
  for (;;) {
    const at = haystack.indexOf(needle, from);
    if (at < 0) return false;
    const before = at === 0 ? "" : haystack.charAt(at - 1);
    const after = haystack.charAt(at + needle.length);
    if ((before === "" || !WORD.test(before)) && (after === "" || !WORD.test(after))) return true;
    from = at + 1;
  }
}

export function hasWildcard(value: string): boolean {
  return value.includes("*") || value.includes("?");
}

/**
 * Sub-resource suffixes that stay inside one resource: a table's indexes and streams, a bucket's
 * objects. A wildcard is only acceptable after one of these, on top of an exact base ARN.
 */
const SCOPED_SUFFIXES = [/\/index\/\*$/, /\/stream\/\*$/, /\/backup\/\*$/, /\/export\/\*$/];

/** The exact part of an ARN before an allowed sub-resource wildcard, or undefined if none applies. */
export function exactBaseOf(arn: string): string | undefined {
  if (!hasWildcard(arn)) return arn;
  for (const suffix of SCOPED_SUFFIXES) {
    const base = arn.replace(suffix, "");
    if (base !== arn) return hasWildcard(base) ? undefined : base;
  }
  // S3 objects: arn:aws:s3:::bucket/any/key/* keeps the bucket name exact.
  const s3 = /^arn:aws[a-z-]*:s3:::([^/]+)\/.+$/.exec(arn);
  if (s3?.[1] !== undefined && !hasWildcard(s3[1]))
    return `${arn.slice(0, arn.indexOf(s3[1]))}${s3[1]}`;
  return undefined;
}
