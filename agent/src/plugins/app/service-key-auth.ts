import fp from 'fastify-plugin';
import { createHash, timingSafeEqual } from 'node:crypto';
import { unauthorized } from '../../http-error.js';

/** Routes anyone on localhost may call (the health check of the container and the load balancer). */
const OPEN_ROUTES = new Set(['/healthz', '/readyz']);

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Every route but the health check needs `Authorization: Bearer <serviceKey>`:
 * only the app holds the key, and it is what lets the agent trust `X-User-Id`.
 * Both sides are hashed first so the comparison takes the same time whatever
 * the length of the guess.
 */
export default fp(
  async (app) => {
    // The accepted keys change when the secret rotates (agent-secrets.ts): the current one, and
    // the previous one during the overlap. Every key is compared, so timing tells nothing either.
    let cached: { keys: string; digests: Buffer[] } | undefined;
    const expected = () => {
      const keys = app.secrets.serviceKeys();
      const joined = keys.join('\n');
      if (cached?.keys !== joined) cached = { keys: joined, digests: keys.map(digest) };
      return cached.digests;
    };
    app.addHook('onRequest', async (request) => {
      if (OPEN_ROUTES.has(request.routeOptions.url ?? '')) return;
      const header = request.headers.authorization ?? '';
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      const given = match ? digest(match[1]!) : undefined;
      let accepted = false;
      for (const key of expected()) if (given && timingSafeEqual(given, key)) accepted = true;
      if (!accepted) {
        throw unauthorized('unauthorized', 'A valid service key is required (Authorization: Bearer <serviceKey>).');
      }
    });
  },
  { name: 'service-key-auth', dependencies: ['config', 'agent-secrets'] },
);
