/**
 * Defaults are declared once, in the zod schemas that validate the flags;
 * commander reads them from there so `--help` shows the same value the
 * schema applies. A flag whose default is written as the operator would type
 * it (`30s`) uses zod's `prefault`, which is parsed like given text.
 */
import type { z } from "zod";

/**
 * The default `schema` declares for `key`, as flag text, or undefined when it has none.
 * @param schema the object schema of a group of flags (e.g. runOptionsSchema)
 * @param key the flag's camel-case key in that schema (e.g. "pollInterval")
 */
export function flagDefault(schema: z.ZodObject<z.ZodRawShape>, key: string): string | undefined {
  const field: z.core.SomeType | undefined = schema.shape[key];
  if (field === undefined) throw new Error(`flagDefault: the schema has no key ${key}`);
  const def = field._zod.def as { type: string; defaultValue?: unknown };
  if (def.type !== "default" && def.type !== "prefault") return undefined;
  const value = def.defaultValue;
  // Booleans (false: the switch is off) and lists (empty) need no "(default: …)" in the help.
  if (typeof value === "string" || typeof value === "number") return String(value);
  return undefined;
}
