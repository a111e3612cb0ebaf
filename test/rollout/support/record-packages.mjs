// A module-resolution hook (registered with `node --import`) that records
// every npm package a process loads, on stderr as `loaded-package <name>`
// lines, so a test can check what a command pulls in without timing it.
import { register } from "node:module";

register(
  `data:text/javascript,${encodeURIComponent(`
    const seen = new Set();
    export async function resolve(specifier, context, next) {
      const resolved = await next(specifier, context);
      const m = /\\/node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(resolved.url);
      if (m && !seen.has(m[1])) {
        seen.add(m[1]);
        process.stderr.write("loaded-package " + m[1] + "\\n");
      }
      return resolved;
    }
  `)}`,
);
