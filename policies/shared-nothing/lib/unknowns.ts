/**
 * Preview-time unknowns, as the policy runtime hands them to us.
 *
 * The engine marks values it cannot know yet (a new table's ARN during `pulumi preview`) with
 * fixed sentinel strings; @pulumi/policy wraps props in a proxy that throws on reading one. A
 * throw turns the whole policy into an advisory "can't run during preview" note, which would
 * silently switch the guardrail off exactly when it matters. So rules read the raw values and
 * treat sentinels as "unknown" explicitly. The strings are part of the engine's wire protocol;
 * test/policy/harness.test.ts pins them against the installed @pulumi/policy.
 */
export const UNKNOWN_SENTINELS: readonly string[] = [
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", // boolean
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421", // number
  "04da6b54-80e4-46f7-96ec-b56ff0331ba9", // string
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", // array
  "030794c1-ac77-496b-92df-f27374a8bd58", // asset
  "e48ece36-62e2-4504-bad9-02848725956a", // archive
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", // object
];

const sentinelSet = new Set(UNKNOWN_SENTINELS);

/** True for a value the engine does not know yet, or a string built from one. */
export function isUnknown(value: unknown): boolean {
  if (typeof value !== "string") return false;
  if (sentinelSet.has(value)) return true;
  // An interpolation of an unknown (`${table.arn}/index/*`) carries the sentinel inside it.
  return UNKNOWN_SENTINELS.some((s) => value.includes(s));
}

/** The proxy key @pulumi/policy answers with the unwrapped object (proxy.ts, getSpecialProxyTarget). */
const PROXY_TARGET_KEY = "__getSpecialProxyTarget";

/**
 * The plain props behind the policy runtime's unknown-checking proxy. Reading through the proxy
 * throws on unknowns; the target holds the same data with sentinels in place.
 */
export function rawProps(props: Record<string, unknown>): Record<string, unknown> {
  const target: unknown = props[PROXY_TARGET_KEY];
  if (target !== null && typeof target === "object") return target as Record<string, unknown>;
  return props;
}
