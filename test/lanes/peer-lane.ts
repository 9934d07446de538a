// A peer lane runs one wrapper's own suite (its tests under packages/<name>/src, from source) against
// another line of the peer it wraps than the root install has: the lane's folder has its own
// package.json and lockfile pinning that line, and this config resolves the peer's imports — from the
// tests and from the wrapper's source alike — from the lane's node_modules instead of the root's.
// Everything else (vitest, msw, the workspace packages) comes from the root as usual.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import { shared } from '../../vitest.config.js';

export interface PeerLane {
  /** The lane's vitest.config.ts `import.meta.url`. */
  config: string;
  /** Test files to run, relative to the repository root (globs). */
  include: string[];
  /** Package names whose imports (and subpath imports) resolve from the lane's install. */
  peers: string[];
  /** Import specifiers to answer with another package of the lane (a package renamed in that line). */
  renamed?: Record<string, string>;
}

function fromLane(laneDir: string, peers: string[], renamed: Record<string, string>): Plugin {
  const installed = join(laneDir, 'node_modules');
  const importer = join(laneDir, 'package.json');
  const owned = (id: string) => peers.some((peer) => id === peer || id.startsWith(`${peer}/`));
  return {
    name: 'agentmeter-lane-peers',
    enforce: 'pre',
    async resolveId(id, from, options) {
      const target = renamed[id] ?? id;
      if (!owned(target) || from?.startsWith(installed)) return null;
      const resolved = await this.resolve(target, importer, { ...options, skipSelf: true });
      // Resolving from the lane's folder would fall back to the root install for a package the lane
      // lacks, and the lane would quietly test the root's line: refuse instead.
      if (!resolved?.id.startsWith(installed)) {
        throw new Error(
          `${target} is not installed in ${laneDir} (it resolved to ${resolved?.id}): npm ci there`,
        );
      }
      return resolved;
    },
  };
}

export function peerLane({ config, include, peers, renamed = {} }: PeerLane) {
  const laneDir = dirname(fileURLToPath(config));
  if (!existsSync(join(laneDir, 'node_modules'))) {
    throw new Error(`${laneDir} has no install: run npm ci --prefix ${laneDir}`);
  }
  return defineConfig({
    ...shared,
    root: fileURLToPath(new URL('../..', import.meta.url)),
    plugins: [fromLane(laneDir, peers, renamed)],
    test: { ...shared.test, include, exclude: ['**/node_modules/**', '**/dist/**'] },
  });
}
