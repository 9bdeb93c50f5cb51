/**
 * Static files: our stylesheet and script from app/public, and htmx with
 * its SSE extension straight from node_modules (no front-end build step).
 * Only those two htmx files are served, nothing else from the package.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import fp from 'fastify-plugin';

const require = createRequire(import.meta.url);
const htmxDist = join(dirname(require.resolve('htmx.org/package.json')), 'dist');
/** app/public, both from src/ (tests) and from dist/ (production). */
const publicDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'public');

const HTMX_FILES = new Set(['/htmx.min.js', '/ext/hx-sse.js']);

export default fp(
  async (app) => {
    await app.register(fastifyStatic, {
      root: publicDir,
      prefix: '/static/',
      index: false,
      list: false,
      maxAge: '1h',
    });
    await app.register(fastifyStatic, {
      root: htmxDist,
      prefix: '/vendor/htmx/',
      decorateReply: false,
      index: false,
      list: false,
      maxAge: '1d',
      allowedPath: (pathname) => HTMX_FILES.has(pathname),
    });
  },
  { name: 'static-files' },
);
