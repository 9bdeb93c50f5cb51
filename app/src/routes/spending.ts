/** The admin's "Spending by day" (`?month=yyyy-mm`, this month without). Members get 403. */
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { UsageDaysQuery } from '@homeagent/contract';
import { SPENDING_PATH, spendingPage } from '../views/spending-pages.js';

const spendingRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(SPENDING_PATH, { schema: { querystring: UsageDaysQuery }, onRequest: [app.requireSession, app.requireAdmin] }, async (request, reply) => {
    const data = await app.agent.usage.days(request.signedIn.user.id, request.query.month);
    return reply.page('Spending by day', spendingPage(data));
  });
};

export default spendingRoutes;
