// Entry point the Pulumi policy runner loads (package.json "main").
//
// How the CLI starts a Node.js pack: `pulumi preview --policy-pack <dir>` runs
// @pulumi/pulumi/cmd/run-policy-pack with <dir> as the program; it `require`s the directory, which
// resolves this file, and awaits what it exports. The pack is ESM, which a plain `require` cannot
// load, so this file imports it and exports the promise: a load error then fails the runner
// loudly instead of leaving the CLI waiting for a port. index.ts constructs the PolicyPack, which
// starts the analyzer's gRPC server and prints its port.
//
// Installed (npm), the pack is the compiled JavaScript in dist/ (`npm run build`, run by
// `npm pack`), with the identity convention it checks (components/identity.ts) compiled in.
// In a checkout, where index.ts sits beside this file, tsx compiles the sources on the fly, so
// tests never run a stale build. We import tsx's ESM build because the CommonJS build of
// `tsImport` in tsx 4.23 resolves its own loader path wrongly.
"use strict";
const { existsSync } = require("node:fs");
const { join } = require("node:path");
const { pathToFileURL } = require("node:url");

const fromSource = existsSync(join(__dirname, "index.ts"));

module.exports = fromSource
  ? import("tsx/esm/api").then(({ tsImport }) =>
      tsImport("./index.ts", pathToFileURL(__filename).href),
    )
  : import("./dist/policies/shared-nothing/index.js");
