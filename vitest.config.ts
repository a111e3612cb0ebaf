import { defineConfig } from "vitest/config";

// Each test file runs in its own forked process: Pulumi's mocks and runtime
// settings are process-global, so files must not share a process.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 300_000,
    reporters: ["default"],
  },
});
