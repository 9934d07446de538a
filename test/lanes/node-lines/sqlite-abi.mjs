// Preloaded (`--import`) when a suite runs on another Node line than the machine's: better-sqlite3's
// native module is built for one Node ABI, so the root install's copy (built for the machine's Node)
// cannot load here. This points every resolution of it at the copy run.sh built for this line in
// .build/node<major>/: a synchronous resolve hook for `import` and `require`, and the CommonJS
// resolver for `require.resolve`, which the hook does not see (the server resolves the driver's
// path that way on the main thread and hands it to its SQLite worker threads). A process of the
// machine's own Node (a server a lane starts there inherits NODE_OPTIONS) has no build of its own
// here and keeps the root's copy.
import { existsSync } from 'node:fs';
import Module from 'node:module';
import { fileURLToPath } from 'node:url';

const rootCopy = new URL('../../../node_modules/better-sqlite3/', import.meta.url).href;
const lineCopy = new URL(
  `./.build/node${process.versions.node.split('.')[0]}/node_modules/better-sqlite3/`,
  import.meta.url,
).href;

const built = existsSync(new URL('build/Release/better_sqlite3.node', lineCopy));

if (built) redirect();

function redirect() {
  Module.registerHooks({
    resolve(specifier, context, nextResolve) {
      const resolved = nextResolve(specifier, context);
      if (!resolved.url?.startsWith(rootCopy)) return resolved;
      return { ...resolved, url: lineCopy + resolved.url.slice(rootCopy.length) };
    },
  });

  const rootPath = fileURLToPath(rootCopy);
  const linePath = fileURLToPath(lineCopy);
  const resolveFilename = Module._resolveFilename;
  Module._resolveFilename = function (...args) {
    const resolved = resolveFilename.apply(this, args);
    return resolved.startsWith(rootPath) ? linePath + resolved.slice(rootPath.length) : resolved;
  };
}
