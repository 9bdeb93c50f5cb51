/**
 * A person's own account: display name, password, signed-in devices.
 * Everything acts for the person in X-User-Id and on nobody else.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ApiError, ChangeDisplayNameRequest, ChangePasswordRequest, RegisterResponse, SessionListResponse } from '@homeagent/contract';
import { badRequest, notFound } from '../../../http-error.js';
import { hashPassword, verifyPassword } from '../../../password-hash.js';
import { actorOf } from '../../../plugins/app/current-user.js';
import { toSessionInfo } from '../../../plugins/app/sessions-repository.js';
import { toUser } from '../../../plugins/app/users-repository.js';
import { UserHeaders } from '../../../schemas/headers.js';
import { SessionHandleParams } from '../../../schemas/params.js';

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.loadUser);

  app.put(
    '/display-name',
    { schema: { headers: UserHeaders, body: ChangeDisplayNameRequest, response: { 200: RegisterResponse, '4xx': ApiError } } },
    async (request) => {
      const displayName = request.body.displayName.trim();
      if (displayName === '') throw badRequest('validation', 'The display name must not be blank.');
      const updated = await app.users.setDisplayName(request.user.id, displayName);
      if (!updated) throw notFound('There is no account with that id.');
      await app.audit.record({ actor: actorOf(updated), action: 'user.display_name_changed', target: { kind: 'user', id: updated.id, username: updated.username }, request });
      return { user: toUser(updated) };
    },
  );

  app.put(
    '/password',
    { schema: { headers: UserHeaders, body: ChangePasswordRequest, response: { 204: Type.Null(), '4xx': ApiError } } },
    async (request, reply) => {
      const { currentPassword, newPassword, sessionId } = request.body;
      if (!(await verifyPassword(currentPassword, request.user.passwordHash))) {
        throw badRequest('wrong_password', 'Your current password is not right, so the password was not changed.');
      }
      await app.users.setPasswordHash(request.user.id, await hashPassword(newPassword));
      const sessionsEnded = await app.sessions.deleteAllOf(request.user.id, sessionId);
      await app.audit.record({ actor: actorOf(request.user), action: 'password.changed', target: { kind: 'user', id: request.user.id, username: request.user.username }, detail: { sessionsEnded }, request });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/sessions',
    { schema: { headers: UserHeaders, response: { 200: SessionListResponse, '4xx': ApiError } } },
    async (request) => ({ sessions: (await app.sessions.listOf(request.user.id)).map(toSessionInfo) }),
  );

  app.delete(
    '/sessions/:handle',
    { schema: { headers: UserHeaders, params: SessionHandleParams, response: { 204: Type.Null(), '4xx': ApiError } } },
    async (request, reply) => {
      const { handle } = request.params;
      // Only among the person's own sessions: another's handle is as unknown as a made-up one.
      const own = (await app.sessions.listOf(request.user.id)).some((s) => s.idHash === handle);
      if (!own) throw notFound('That session has ended already.');
      await app.sessions.deleteByHandle(handle);
      await app.audit.record({ actor: actorOf(request.user), action: 'session.ended', target: { kind: 'session', id: handle }, request });
      return reply.code(204).send(null);
    },
  );
};

export default routes;
