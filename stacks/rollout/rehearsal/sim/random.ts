/**
 * Deterministic noise keyed by coordinates rather than by call order: the
 * simulation is evaluated lazily (an alarm may ask for minute 42 before
 * minute 41 was ever needed), so every random draw must be a pure function
 * of (seed, stream, index) to keep a seed reproducible.
 */
import { fnv1a32 } from "../../../../components/hash.js";

/** A 32-bit avalanche mix (splitmix-style finaliser). */
function mix32(x: number): number {
  let h = x | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Stable 32-bit hash of a string, so cohort names can key a stream: the component's FNV-1a
 * (one hash in the repository; the same values as the copy this replaced, so every seed
 * rehearses as before).
 */
export const hashString = fnv1a32;

/** Uniform in [0, 1) for the given coordinates. */
export function uniformAt(seed: number, ...coords: number[]): number {
  let h = mix32(seed ^ 0x9e3779b9);
  for (const c of coords) h = mix32(h ^ mix32(c + 0x7f4a7c15));
  return h / 4294967296;
}

/** Standard normal for the given coordinates (Box-Muller over two keyed uniforms). */
export function normalAt(seed: number, ...coords: number[]): number {
  const u1 = Math.max(uniformAt(seed, ...coords, 1), 1e-12);
  const u2 = uniformAt(seed, ...coords, 2);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** A Poisson-like count with mean `mean` (normal approximation above 30, exact inversion below). */
export function countAt(mean: number, seed: number, ...coords: number[]): number {
  if (mean <= 0) return 0;
  if (mean > 30) {
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * normalAt(seed, ...coords)));
  }
  const u = uniformAt(seed, ...coords, 3);
  let k = 0;
  let p = Math.exp(-mean);
  let cumulative = p;
  while (u > cumulative && k < 1000) {
    k++;
    p *= mean / k;
    cumulative += p;
  }
  return k;
}
