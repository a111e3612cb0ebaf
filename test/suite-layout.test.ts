/**
 * The fast project is the inner loop (`npm run test:fast`, goal under 60 s): a test file that
 * starts moto, the real Pulumi engine, a Kubernetes control plane or Chromium belongs to the
 * slow project. A real-engine file once landed in fast by its path alone and made the inner
 * loop 53 s slower; this reads every test file's imports and fails naming any such file.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import picomatch from "picomatch";
import { describe, expect, it } from "vitest";
import { SLOW } from "../vitest.config.js";

const ROOT = join(import.meta.dirname, "..");

/** Test support modules whose import means the file starts a process-heavy real part. */
const HEAVY = ["support/moto", "support/engine", "support/control-plane", "support/chromium"];

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith(".test.ts") ? [relative(ROOT, path)] : [];
  });
}

describe("test suite layout", () => {
  it("every file that imports an emulator, engine, control plane or browser helper is slow", () => {
    const slow = picomatch(SLOW);
    const files = testFiles(join(ROOT, "test"));
    const heavyInFast = files.filter((file) => {
      const source = readFileSync(join(ROOT, file), "utf8");
      const imports = [...source.matchAll(/from\s+"([^"]+)"/g)].map((m) => m[1] ?? "");
      return !slow(file) && imports.some((i) => HEAVY.some((h) => i.includes(h)));
    });
    expect(files.length).toBeGreaterThan(50);
    expect(heavyInFast, "add these to SLOW in vitest.config.ts").toEqual([]);
  });
});
