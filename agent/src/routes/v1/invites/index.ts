import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ApiError, CreateInviteRequest, InviteListResponse, InviteResponse } from '@homeagent/contract';
import { notFound } from '../../../http-error.js';
import { actorOf } from '../../../plugins/app/current-user.js';
import { UserHeaders } from '../../../schemas/headers.js';
import { InviteParams } from '../../../schemas/params.js';
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
      await app.audit.record({
        actor: actorOf(request.user),
        action: 'invite.created',
        target: { kind: 'invite', id: invite.id },
        detail: { role: invite.role, expiresAt: invite.expiresAt },
        request,
      });
      return reply.code(201).send({ code: invite.code, role: invite.role, expiresAt: invite.expiresAt });
    },
  );

  app.get(
    '/',
    { schema: { headers: UserHeaders, response: { 200: InviteListResponse, '4xx': ApiError } }, preValidation: app.requireAdmin },
    async () => ({ invites: await app.invites.listOpen() }),
  );

  app.delete(
    '/:id',
    {
      schema: { headers: UserHeaders, params: InviteParams, response: { 204: Type.Null(), '4xx': ApiError } },
      preValidation: app.requireAdmin,
    },
    async (request, reply) => {
      if (!(await app.invites.revoke(request.params.id))) {
        throw notFound('There is no open invite with that code: it may have been used, revoked or expired already.');
      }
      await app.audit.record({ actor: actorOf(request.user), action: 'invite.revoked', target: { kind: 'invite', id: request.params.id }, request });
      return reply.code(204).send(null);
    },
  );
};

export default routes;
