// Serves the dashboard: the page at `/`, its scripts (compiled by tsconfig.dashboard.json into
// dist/dashboard) and its static files (src/dashboard) under `/assets/<content hash>/`. Files are read
// once into memory and looked up by exact name, so no request path ever reaches the file system.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This package's root: this file runs from `src/` (tests) or `dist/` (built), one level down. */
const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Only this origin: no inline script or style, no third-party anything, no framing. */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export interface DashboardAssetsOptions {
  /** The compiled dashboard scripts. Default: this package's `dist/dashboard`. */
  scriptsDir?: string;
  /** `index.html`, `styles.css` and `favicon.svg`. Default: this package's `src/dashboard`. */
  staticDir?: string;
}

interface Bundle {
  version: string;
  page: Uint8Array;
  files: Map<string, { body: Uint8Array; type: string }>;
}

function extensionOf(name: string): string {
  if (name.endsWith('.js.map')) return '.map';
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot);
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : entry.isFile() ? [join(dir, entry.name)] : [],
  );
}

function load(scriptsDir: string, staticDir: string): Bundle | string {
  if (!existsSync(join(scriptsDir, 'main.js')))
    return `The dashboard scripts are not built (no ${join(scriptsDir, 'main.js')}). Run \`npx tsc -b\` (or \`npm run build\`) and restart.`;
  const files = new Map<string, { body: Uint8Array; type: string }>();
  for (const path of walk(scriptsDir)) {
    const extension = extensionOf(path);
    if (extension !== '.js' && extension !== '.map') continue;
    files.set(relative(scriptsDir, path).split(sep).join('/'), {
      body: readFileSync(path),
      type: CONTENT_TYPES[extension]!,
    });
  }
  for (const name of ['index.html', 'styles.css', 'favicon.svg']) {
    if (!existsSync(join(staticDir, name))) return `The dashboard file ${join(staticDir, name)} is missing.`;
  }
  for (const name of ['styles.css', 'favicon.svg']) {
    files.set(name, { body: readFileSync(join(staticDir, name)), type: CONTENT_TYPES[extensionOf(name)]! });
  }
  const hash = createHash('sha256');
  for (const name of [...files.keys()].sort()) hash.update(name).update('\0').update(files.get(name)!.body);
  const version = hash.digest('hex').slice(0, 12);
  const template = readFileSync(join(staticDir, 'index.html'), 'utf8');
  return {
    version,
    files,
    page: new TextEncoder().encode(template.replaceAll('{{assets}}', `/assets/${version}`)),
  };
}

const respond = (body: Uint8Array | string, status: number, headers: Record<string, string>) =>
  new Response(body, { status, headers: { ...SECURITY_HEADERS, ...headers } });

/**
 * The `dashboard` hook of `createApp()`: answers `/` (and `/index.html`) with the page, and
 * `/assets/<version>/<file>` with an immutable, long-cached file; null (a 404) for anything else.
 * The page itself is `no-cache`, so a new build is picked up on the next load. Files are read on the
 * first request; when the scripts are not built, `/` explains how to build them (503).
 */
export function createDashboardAssets(
  options: DashboardAssetsOptions = {},
): (path: string) => Response | null {
  const {
    scriptsDir = join(PACKAGE_ROOT, 'dist', 'dashboard'),
    staticDir = join(PACKAGE_ROOT, 'src', 'dashboard'),
  } = options;
  let bundle: Bundle | string | undefined;
  return (path) => {
    bundle ??= load(scriptsDir, staticDir);
    if (path === '/' || path === '/index.html') {
      if (typeof bundle === 'string')
        return respond(bundle, 503, {
          'content-type': 'text/plain; charset=utf-8',
          'cache-control': 'no-store',
        });
      return respond(bundle.page, 200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-cache',
      });
    }
    if (typeof bundle === 'string' || !path.startsWith(`/assets/${bundle.version}/`)) return null;
    const file = bundle.files.get(path.slice(`/assets/${bundle.version}/`.length));
    if (!file) return null;
    return respond(file.body, 200, {
      'content-type': file.type,
      'cache-control': 'public, max-age=31536000, immutable',
    });
  };
}
