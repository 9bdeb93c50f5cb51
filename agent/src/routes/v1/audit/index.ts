/** Reading the audit trail: everyone's for admins, one's own for each person. Nothing here writes. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApiError, AuditListResponse, AuditQuery } from '@homeagent/contract';
import { Type } from 'typebox';
import { UserHeaders } from '../../../schemas/headers.js';

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/',
    { schema: { headers: UserHeaders, querystring: AuditQuery, response: { 200: AuditListResponse, '4xx': ApiError } }, preValidation: app.requireAdmin },
    async (request) => app.audit.list(request.query),
  );

  app.get(
    '/mine',
    {
      schema: { headers: UserHeaders, querystring: Type.Omit(AuditQuery, ['userId']), response: { 200: AuditListResponse, '4xx': ApiError } },
      preHandler: app.loadUser,
    },
    async (request) => app.audit.list({ ...request.query, userId: request.user.id }),
  );
};

export default routes;
