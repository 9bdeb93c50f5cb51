/**
 * The static files, read once at start: our stylesheet, script and icons
 * from app/public, htmx and its SSE extension (minified) from node_modules.
 * Each is served under a content-hashed name (`app.3f2a9c1d.css`), so it can
 * be cached for a year as immutable and a new release is fetched at once;
 * each is compressed here with brotli and gzip, once, not per request (no
 * front-end build step, and the image's file system stays read-only).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const require = createRequire(import.meta.url);
const htmxDist = join(dirname(require.resolve('htmx.org/package.json')), 'dist');
/** app/public, both from src/ (tests) and from dist/ (production). */
const publicDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'public');

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export interface StaticAsset {
  /** the hashed name under /static/ */
  file: string;
  type: string;
  identity: Buffer;
  /** absent when compressing would not help (PNGs are compressed already) */
  br?: Buffer;
  gzip?: Buffer;
}

/** The files by the name the views use; the source of each. */
const SOURCES: Record<string, string> = {
  'app.css': join(publicDir, 'app.css'),
  'app.js': join(publicDir, 'app.js'),
  'attach.js': join(publicDir, 'attach.js'),
  // Only the sign-in and account pages load it (the chat page's JavaScript stays as it is).
  'passkey.js': join(publicDir, 'passkey.js'),
  'favicon.svg': join(publicDir, 'favicon.svg'),
  'icon-192.png': join(publicDir, 'icon-192.png'),
  'icon-512.png': join(publicDir, 'icon-512.png'),
  'icon-maskable-512.png': join(publicDir, 'icon-maskable-512.png'),
  'apple-touch-icon.png': join(publicDir, 'apple-touch-icon.png'),
  'htmx.js': join(htmxDist, 'htmx.min.js'),
  'hx-sse.js': join(htmxDist, 'ext', 'hx-sse.min.js'),
};

function load(name: string, path: string): StaticAsset {
  const identity = readFileSync(path);
  const extension = extname(name);
  const hash = createHash('sha256').update(identity).digest('base64url').slice(0, 10);
  const asset: StaticAsset = { file: `${name.slice(0, -extension.length)}.${hash}${extension}`, type: TYPES[extension] ?? 'application/octet-stream', identity };
  if (extension !== '.png') {
    asset.br = brotliCompressSync(identity, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: identity.length } });
    asset.gzip = gzipSync(identity, { level: 9 });
  }
  return asset;
}

const byName = new Map<string, StaticAsset>();
const byFile = new Map<string, StaticAsset>();
for (const [name, path] of Object.entries(SOURCES)) {
  const asset = load(name, path);
  byName.set(name, asset);
  byFile.set(asset.file, asset);
}

/** The URL of a static file by its plain name, e.g. `assetUrl('app.css')` → `/static/app.3f2a9c1d.css`. */
export function assetUrl(name: string): string {
  const asset = byName.get(name);
  if (!asset) throw new Error(`no static file named ${name}`);
  return `/static/${asset.file}`;
}

/** The asset behind a hashed file name, if there is one. */
export function assetByFile(file: string): StaticAsset | undefined {
  return byFile.get(file);
}
