// Copies the data files the compiled CLI reads next to its modules (paths
// resolved from import.meta.url): the rehearsal's traffic profiles. (The
// rehearsal runs the user's own program, given by --program: no example ships.)
import { cpSync } from "node:fs";

const ASSETS = [["rehearsal/profiles", "dist/stacks/rollout/rehearsal/profiles"]];
for (const [from, to] of ASSETS) {
  cpSync(new URL(from, import.meta.url), new URL(to, import.meta.url), {
    recursive: true,
    filter: (src) => !src.endsWith(".ts"),
  });
}
