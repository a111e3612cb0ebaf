/**
 * An error the rehearsal does not expect (a defect, not bad input) reaches the
 * operator as one error line on stderr, exit 3, through the CLI's one error path.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";

vi.mock("../../stacks/rollout/rehearsal/rehearse.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../stacks/rollout/rehearsal/rehearse.js")>();
  return {
    ...real,
    rehearse: () => Promise.reject(new Error("simulated defect in the rehearsal")),
  };
});

const dir = mkdtempSync(join(tmpdir(), "rehearse-unexpected-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("rehearse: an unexpected error", () => {
  it("is printed once on stderr and exits 3", async () => {
    const { main } = await import("../../stacks/rollout/cli/main.js");
    let out = "";
    let err = "";
    const code = await main(["rehearse", "--fault", "none", "--out", join(dir, "r.html")], {
      io: { stdout: (t) => (out += t), stderr: (t) => (err += t), isTTY: false, env: {} },
    });
    expect(err.match(/simulated defect in the rehearsal/g)).toHaveLength(1);
    expect(err).toMatch(/^cohort-rollout: error: /);
    expect(out).toBe("");
    expect(code).toBe(3);
  });
});
