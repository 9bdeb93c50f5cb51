import type { FastifyInstance } from 'fastify';

/**
 * CORS for browsers on other origins (the official hub's `cors_origins`).
 * Off unless origins are configured; with credentials allowed the answer
 * always names the caller's origin, never `*`.
 */
export function cors(fastify: FastifyInstance, origins: readonly string[]): void {
  if (origins.length === 0) return;
  const anyOrigin = origins.includes('*');
  fastify.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (origin === undefined || (!anyOrigin && !origins.includes(origin))) return;
    reply.header('access-control-allow-origin', origin);
    reply.header('access-control-allow-credentials', 'true');
    reply.header('vary', 'Origin');
    reply.header('access-control-expose-headers', 'Last-Event-ID');
    if (request.method === 'OPTIONS') {
      reply.header('access-control-allow-methods', 'GET, POST, OPTIONS');
      reply.header('access-control-allow-headers', 'Authorization, Cache-Control, Content-Type, Last-Event-ID');
      reply.header('access-control-max-age', '600');
      return reply.code(204).send();
    }
  });
}
