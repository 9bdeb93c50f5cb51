/** The admin's "Activity" page (the audit trail). Members get 403. */
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AUDIT_ACTIONS, type AuditAction } from '@homeagent/contract';
import { activityPage } from '../views/activity-pages.js';

const field = Type.Optional(Type.String({ maxLength: 600 }));
const ActivityQuery = Type.Object({ userId: field, action: field, cursor: field });

const activityRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/activity', { schema: { querystring: ActivityQuery }, onRequest: [app.requireSession, app.requireAdmin] }, async (request, reply) => {
    const { user } = request.signedIn;
    // An empty select means "no filter"; anything else must be a kind we know (the agent checks the rest).
    const action: AuditAction | undefined = AUDIT_ACTIONS.find((a) => a === request.query.action);
    const userId = request.query.userId || undefined;
    const cursor = request.query.cursor || undefined;
    const [page, people] = await Promise.all([
      app.agent.audit.list(user.id, { ...(userId ? { userId } : {}), ...(action ? { action } : {}), ...(cursor ? { cursor } : {}), limit: 50 }),
      app.agent.people.list(user.id),
    ]);
    return reply.page('Activity', activityPage({ ...page, filter: { ...(userId ? { userId } : {}), ...(action ? { action } : {}) }, people }));
  });
};

export default activityRoutes;
