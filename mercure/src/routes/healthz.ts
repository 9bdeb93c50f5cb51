import type { FastifyInstance } from 'fastify';

/** For the ALB and the local launcher: the process is up and accepts subscribers. */
export default async function healthRoutes(fastify: FastifyInstance): Promise<void> {
  fastify.get(
    '/healthz',
    {
      logLevel: 'warn',
      schema: { response: { 200: { type: 'object', properties: { status: { type: 'string' } }, required: ['status'] } } },
    },
    async () => ({ status: 'ok' }),
  );
}
