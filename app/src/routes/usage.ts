/** "Your usage": anyone signed in sees their own spending this month. */
import type { FastifyPluginAsync } from 'fastify';
import { wantsPartial } from '../plugins/app/error-handler.js';
import { layout } from '../views/layout.js';
import { usagePage } from '../views/usage-pages.js';

const usageRoutes: FastifyPluginAsync = async (app) => {
  app.get('/usage', { onRequest: app.requireSession }, async (request, reply) => {
    const current = (await request.currentSession())!;
    const usage = await app.agent.getUsage(current.user.id);
    const body = usagePage(usage, await reply.csrfToken());
    reply.type('text/html; charset=utf-8');
    if (wantsPartial(request)) return reply.send(body.value);
    await reply.issueHubCookie(current);
    return reply.send(layout({ title: 'Your usage', body, user: current.user, csrfToken: await reply.csrfToken() }).value);
  });
};

export default usageRoutes;
