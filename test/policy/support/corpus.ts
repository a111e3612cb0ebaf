import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { LegalCase, ViolationCase } from "../corpus/shapes.js";

const CORPUS = fileURLToPath(new URL("../corpus/", import.meta.url));

function files(dir: string): string[] {
  return readdirSync(`${CORPUS}${dir}`)
    .filter((f) => f.endsWith(".ts"))
    .sort();
}

export async function loadViolations(): Promise<{ file: string; case: ViolationCase }[]> {
  return Promise.all(
    files("violations").map(async (file) => ({
      file,
      case: ((await import(`${CORPUS}violations/${file}`)) as { violation: ViolationCase })
        .violation,
    })),
  );
}

export async function loadLegal(): Promise<{ file: string; case: LegalCase }[]> {
  return Promise.all(
    files("legal").map(async (file) => ({
      file,
      case: ((await import(`${CORPUS}legal/${file}`)) as { legal: LegalCase }).legal,
    })),
  );
}

/** Names of the corpus files, synchronously, so tests can be declared per file. */
export function corpusFiles(dir: "violations" | "legal"): string[] {
  return files(dir);
}
