import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApiError, CreateInviteRequest, InviteResponse } from '../../../contract.js';
import { UserHeaders } from '../../../schemas/headers.js';
import { emptyBodyAsObject } from '../../../schemas/optional-body.js';

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/',
    {
      schema: { headers: UserHeaders, body: CreateInviteRequest, response: { 201: InviteResponse, '4xx': ApiError } },
      // The role check comes before validation, so a member learns nothing about the body.
      preValidation: [app.requireAdmin, emptyBodyAsObject],
    },
    async (request, reply) => {
      const invite = await app.invites.create({
        role: request.body.role ?? 'member',
        ttlHours: request.body.ttlHours,
        createdBy: request.user.id,
      });
      request.log.info({ role: invite.role, expiresAt: invite.expiresAt }, 'invite created');
      return reply.code(201).send({ code: invite.code, role: invite.role, expiresAt: invite.expiresAt });
    },
  );
};

export default routes;
