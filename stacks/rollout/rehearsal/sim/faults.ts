/**
 * Fault models of a bad release. A fault is a property of the release, and
 * shows in a cohort only while that cohort runs the release (and, for a
 * latent fault, only once it has run it long enough).
 */
import { z } from "zod";

const activeFaultSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("error-spike"),
    /** Extra share of requests answered with a 5xx. */
    errorRate: z.number().min(0).max(1).default(0.15),
  }),
  z.object({
    kind: z.literal("latency-regression"),
    /** Multiplier on the latency distribution's median. */
    factor: z.number().min(1).default(12),
  }),
  z.object({
    kind: z.literal("crash-loop"),
    /** Share of the cohort's hosts that keep crashing. */
    unhealthyFraction: z.number().min(0).max(1).default(0.5),
  }),
]);
export type ActiveFault = z.infer<typeof activeFaultSchema>;

export const faultSchema = z.union([
  z.object({ kind: z.literal("none") }),
  activeFaultSchema,
  z.object({
    kind: z.literal("latent"),
    /** Healthy for this long, then failing. */
    activateAfterSeconds: z.number().int().min(0).default(3600),
    /**
     * What the delay counts from. `first-deploy` (default) is the
     * configuration-plane case: a flag, certificate or cache expiry flips at
     * one moment for every cohort running the release. `each-cohort` counts
     * from the release's arrival in each cohort (a slow leak).
     */
    from: z.enum(["first-deploy", "each-cohort"]).default("first-deploy"),
    then: activeFaultSchema.default({ kind: "error-spike", errorRate: 0.15 }),
  }),
]);
export type Fault = z.infer<typeof faultSchema>;
export type FaultInput = z.input<typeof faultSchema>;

export const FAULT_KINDS = [
  "none",
  "error-spike",
  "latency-regression",
  "crash-loop",
  "latent",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** The failure a cohort shows `secondsOnRelease` after the faulty release reached it, if any. */
export function activeFaultAt(fault: Fault, secondsOnRelease: number): ActiveFault | undefined {
  switch (fault.kind) {
    case "none":
      return undefined;
    case "latent":
      return secondsOnRelease >= fault.activateAfterSeconds ? fault.then : undefined;
    default:
      return fault;
  }
}

/** Seconds after a release reaches a cohort before its fault shows (Infinity for a good release). */
export function faultOnsetSeconds(fault: Fault): number {
  if (fault.kind === "none") return Number.POSITIVE_INFINITY;
  return fault.kind === "latent" ? fault.activateAfterSeconds : 0;
}

export function parseFault(input: FaultInput): Fault {
  return faultSchema.parse(input);
}
