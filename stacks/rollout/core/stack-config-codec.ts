/**
 * The one codec for what a release looks like in a stack's config: a cohort
 * stack carries it as its `pin` key (a JSON pinSchema object, components/contract.ts),
 * the edge stack as plain keys of its own. The Automation driver writes and reads
 * real config through it; the rehearsal's simulated driver keeps its simulated
 * history in the same shape, so the two cannot drift apart. Pure: no I/O.
 */
import { CONFIG_KEYS, pinSchema, type Pin } from "../../../components/contract.js";
import type { Release } from "./ports.js";

/** Which part of an environment a stack owns (its `part` config). */
export type StackPart = "cohort" | "edge" | "all";

/** Qualifies a config key with its namespace, e.g. "pin" -> "cohort-service:pin". */
export type KeyOf = (name: string) => string;

/** Bare keys: how simulated stacks and the rollout's own records name them. */
export const bareKey: KeyOf = (name) => name;

/** A Pulumi project's namespace: `key("pin")` is "<project>:pin"; qualified keys stay as they are. */
export function projectKey(project: string): KeyOf {
  return (name) => (name.includes(":") ? name : `${project}:${name}`);
}

/** The pin a release puts on a cohort stack; throws naming each invalid field. */
export function pinOfRelease(release: Pick<Release, "id" | "version" | "config">): Pin {
  const parsed = pinSchema.safeParse({
    release: release.id,
    version: release.version,
    config: release.config,
  });
  if (!parsed.success) throw new Error(`release "${release.id}": ${problems(parsed.error)}`);
  return parsed.data;
}

/** The pin's config value: JSON with the fields in pinSchema's order (stable across writers). */
export function encodePin(pin: Pin): string {
  return JSON.stringify({ release: pin.release, version: pin.version, config: pin.config });
}

/**
 * A pin from its config value. `where` names the stack (or update) in the error, which
 * says what is wrong with every field at once.
 */
export function decodePin(raw: string, where: string): Pin {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new Error(`${where}: config "pin" is not JSON: ${raw.slice(0, 80)}`);
  }
  const parsed = pinSchema.safeParse(value);
  if (!parsed.success)
    throw new Error(`${where}: config "pin" is not a valid pin: ${problems(parsed.error)}`);
  return parsed.data;
}

/** The config a cohort stack carries for `pin`: its `pin` key, qualified by `key`. */
export function pinConfig(pin: Pin, key: KeyOf = bareKey): Record<string, string> {
  return { [key(CONFIG_KEYS.pin)]: encodePin(pin) };
}

/** The pin recorded in a config map (current config or an update's), if it has one. */
export function pinOfConfig(
  config: Readonly<Record<string, string>>,
  where: string,
  key: KeyOf = bareKey,
): Pin | undefined {
  const raw = config[key(CONFIG_KEYS.pin)];
  return raw === undefined ? undefined : decodePin(raw, where);
}

/** The part a stack's config says it owns; a cohort stack when it says nothing. */
export function partOfConfig(
  config: Readonly<Record<string, string | undefined>>,
  key: KeyOf = bareKey,
): StackPart {
  const part = config[key(CONFIG_KEYS.part)];
  return part === "edge" || part === "all" ? part : "cohort";
}

/**
 * The config keys (already qualified by `key`) that put `release` on a stack owning
 * `part`: the pin of a cohort stack, the release's edge config on the edge stack. A
 * single-stack deployment (`part=all`) is refused with a hint.
 */
export function releaseConfig(
  stack: string,
  part: StackPart,
  release: Release,
  key: KeyOf = bareKey,
): Record<string, string> {
  if (part === "edge")
    return Object.fromEntries(
      Object.entries(release.edgeConfig ?? {}).map(([k, v]) => [key(k), v]),
    );
  if (part === "all")
    throw new Error(
      `stack "${stack}" is a single-stack deployment (${key(CONFIG_KEYS.part)}=all); ` +
        `cohort-rollout drives one stack per cohort. Hint: split it into an edge stack and cohort stacks.`,
    );
  return pinConfig(pinOfRelease(release), key);
}

function problems(error: { issues: readonly { path: PropertyKey[]; message: string }[] }): string {
  return error.issues.map((i) => `pin.${i.path.map(String).join(".")}: ${i.message}`).join("; ");
}
