/**
 * A tiny deterministic string hash (FNV-1a, 32 bit). Used to derive stable
 * physical-name suffixes and listener priorities: the same input always gives
 * the same output, on every machine and in every stack of an environment.
 */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** `length` lowercase hex characters of the hash of `text`. */
export function shortHash(text: string, length = 6): string {
  return fnv1a32(text).toString(16).padStart(8, "0").slice(0, length);
}
