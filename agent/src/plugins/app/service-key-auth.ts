import fp from 'fastify-plugin';
import { createHash, timingSafeEqual } from 'node:crypto';
import { unauthorized } from '../../http-error.js';

/** Routes anyone on localhost may call (the health check of the container and the load balancer). */
const OPEN_ROUTES = new Set(['/healthz']);

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Every route but the health check needs `Authorization: Bearer <serviceKey>`:
 * only the app holds the key, and it is what lets the agent trust `X-User-Id`.
 * Both sides are hashed first so the comparison takes the same time whatever
 * the length of the guess.
 */
export default fp(
  async (app) => {
    const expected = digest(app.config.serviceKey);
    app.addHook('onRequest', async (request) => {
      if (OPEN_ROUTES.has(request.routeOptions.url ?? '')) return;
      const header = request.headers.authorization ?? '';
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match || !timingSafeEqual(digest(match[1]!), expected)) {
        throw unauthorized('unauthorized', 'A valid service key is required (Authorization: Bearer <serviceKey>).');
      }
    });
  },
  { name: 'service-key-auth', dependencies: ['config'] },
);
