/**
 * Pages and fragments go out compressed when they are large (a long chat is
 * tens of KB of HTML): brotli at a quick level, else gzip. Static files are
 * compressed once at start instead (static.ts) and SSE goes to the hub,
 * never through the app.
 */
import compress from '@fastify/compress';
import fp from 'fastify-plugin';
import { constants } from 'node:zlib';

export default fp(
  async (app) => {
    await app.register(compress, {
      global: true,
      threshold: 1024,
      encodings: ['br', 'gzip'],
      // Quality 4 is fast enough per request and close to the best for HTML.
      brotliOptions: { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } },
    });
  },
  { name: 'compress' },
);
