import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';

/** Liveness only: the app is up. It does not ask the agent, so one slow part never restarts the other. */
const healthRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/healthz',
    { schema: { response: { 200: Type.Object({ status: Type.Literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );
};

export default healthRoutes;
