/** "Your usage": anyone signed in sees their own spending this month. */
import type { FastifyPluginAsync } from 'fastify';
import { usagePage } from '../views/usage-pages.js';

const usageRoutes: FastifyPluginAsync = async (app) => {
  app.get('/usage', { onRequest: app.requireSession }, async (request, reply) => {
    const usage = await app.agent.usage.get(request.signedIn.user.id);
    return reply.page('Your usage', usagePage(usage, await reply.csrfToken()));
  });
};

export default usageRoutes;
