// Entry point the Pulumi policy runner loads (package.json "main").
//
// How the CLI starts a Node.js pack: `pulumi preview --policy-pack <dir>` runs
// @pulumi/pulumi/cmd/run-policy-pack with <dir> as the program; it `require`s the directory, which
// resolves this file, and awaits what it exports. The pack itself is ESM TypeScript (index.ts
// imports the repository's shared components/identity.ts), which a plain `require` and the
// runner's bundled ts-node cannot load. tsx can: its ESM API compiles index.ts on the fly and
// index.ts constructs the PolicyPack, which starts the analyzer's gRPC server and prints its
// port. We import tsx's ESM build because the CommonJS build of `tsImport` in tsx 4.23 resolves
// its own loader path wrongly. Exporting the promise makes a load error fail the runner loudly
// instead of leaving the CLI waiting for a port.
"use strict";
const { pathToFileURL } = require("node:url");

module.exports = import("tsx/esm/api").then(({ tsImport }) =>
  tsImport("./index.ts", pathToFileURL(__filename).href),
);
