/**
 * Static files (src/static-assets.ts) under content-hashed names, cached by
 * browsers and the edge for a year as immutable, sent brotli- or
 * gzip-compressed as the browser accepts (compressed once at start). Only
 * the listed files exist: nothing else of app/public or node_modules is
 * reachable. The web app manifest is generated, so it names the hashed icons.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import fp from 'fastify-plugin';
import { Type } from 'typebox';
import { assetByFile, assetUrl, type StaticAsset } from '../../static-assets.js';
import { THEME_COLORS } from '../../views/theme.js';

const YEAR_IMMUTABLE = 'public, max-age=31536000, immutable';

/** What the browser accepts, best first: brotli, gzip, or the file as it is. */
function encodingFor(request: FastifyRequest, asset: StaticAsset): 'br' | 'gzip' | undefined {
  const accepted = request.headers['accept-encoding'] ?? '';
  if (asset.br && /\bbr\b/.test(accepted)) return 'br';
  if (asset.gzip && /\bgzip\b/.test(accepted)) return 'gzip';
  return undefined;
}

/**
 * Headers that only a document (an HTML page) obeys: on a script they are bytes every first visit pays
 * for and no browser reads (a worker would be the exception; we have none). nosniff, CORP and HSTS stay.
 */
const DOCUMENT_ONLY_HEADERS = ['content-security-policy', 'cross-origin-opener-policy', 'origin-agent-cluster', 'x-dns-prefetch-control', 'x-download-options', 'x-xss-protection'];

function sendAsset(request: FastifyRequest, reply: FastifyReply, asset: StaticAsset) {
  const encoding = encodingFor(request, asset);
  if (asset.type.includes('javascript')) for (const name of DOCUMENT_ONLY_HEADERS) reply.removeHeader(name);
  reply.header('cache-control', YEAR_IMMUTABLE).header('vary', 'accept-encoding').type(asset.type);
  if (encoding) reply.header('content-encoding', encoding);
  return reply.send(encoding ? asset[encoding] : asset.identity);
}

/** The manifest: installs to the home screen and opens without the browser's chrome. */
function manifest() {
  return {
    name: 'HomeAgent',
    short_name: 'HomeAgent',
    description: 'Your private Claude chat.',
    start_url: '/',
    scope: '/',
    display: 'standalone',
    background_color: THEME_COLORS.light,
    theme_color: THEME_COLORS.light,
    icons: [
      { src: assetUrl('icon-192.png'), sizes: '192x192', type: 'image/png', purpose: 'any' },
      { src: assetUrl('icon-512.png'), sizes: '512x512', type: 'image/png', purpose: 'any' },
      { src: assetUrl('icon-maskable-512.png'), sizes: '512x512', type: 'image/png', purpose: 'maskable' },
      { src: assetUrl('favicon.svg'), sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
    ],
  };
}

export default fp(
  async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    // Compressed already: @fastify/compress leaves these alone.
    app.get('/static/:file', { schema: { params: Type.Object({ file: Type.String({ maxLength: 100 }) }) }, config: { compress: false } }, async (request, reply) => {
      const asset = assetByFile(request.params.file);
      if (!asset) { reply.callNotFound(); return; }
      return sendAsset(request, reply, asset);
    });
    const body = JSON.stringify(manifest());
    app.get('/manifest.webmanifest', async (_request, reply) =>
      reply.header('cache-control', 'public, max-age=3600').type('application/manifest+json').send(body));
    // Browsers ask for these by their fixed names.
    app.get('/favicon.ico', async (request, reply) => sendAsset(request, reply, assetByFile(assetUrl('favicon.svg').slice('/static/'.length))!));
    app.get('/apple-touch-icon.png', async (request, reply) => sendAsset(request, reply, assetByFile(assetUrl('apple-touch-icon.png').slice('/static/'.length))!));
  },
  { name: 'static-files' },
);
