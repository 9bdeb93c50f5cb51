import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ApiError, DISABLED_MESSAGE, SessionResponse, SignInRequest } from '@homeagent/contract';
import { forbidden, notFound, unauthorized } from '../../../http-error.js';
import { decoyPasswordHash, verifyPassword } from '../../../password-hash.js';
import { clientOf } from '../../../plugins/app/audit-repository.js';
import { actorOf } from '../../../plugins/app/current-user.js';
import { toUser } from '../../../plugins/app/users-repository.js';
import { SessionParams } from '../../../schemas/params.js';

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/',
    { schema: { body: SignInRequest, response: { 201: SessionResponse, '4xx': ApiError } } },
    async (request, reply) => {
      const username = request.body.username.trim().toLowerCase();
      const user = await app.users.getByUsername(username);
      // Verify against a decoy hash for unknown names, so timing reveals nothing about who has an account.
      const ok = await verifyPassword(request.body.password, user?.passwordHash ?? (await decoyPasswordHash()));
      if (!user || !ok) {
        await app.audit.record({
          actor: user ? actorOf(user) : { username },
          action: 'sign_in.failed',
          outcome: 'refused',
          detail: { usernameTried: username },
          request,
        });
        throw unauthorized('bad_credentials', 'That username and password do not match an account.');
      }
      if (user.disabledAt) {
        await app.audit.record({ actor: actorOf(user), action: 'sign_in.failed', outcome: 'refused', detail: { reason: 'disabled' }, request });
        throw forbidden('account_disabled', DISABLED_MESSAGE);
      }
      const session = await app.sessions.create(user.id, clientOf(request));
      await app.users.noteSignIn(user.id);
      await app.audit.record({ actor: actorOf(user), action: 'sign_in.succeeded', detail: { method: 'password' }, request });
      return reply.code(201).send({ session, user: toUser(user) });
    },
  );

  app.get(
    '/:sessionId',
    { schema: { params: SessionParams, response: { 200: SessionResponse, '4xx': ApiError } } },
    async (request) => {
      const found = await app.sessions.lookup(request.params.sessionId);
      const user = found ? await app.users.get('ended' in found ? found.userId : found.session.userId) : undefined;
      // Ended by disabling its person, who still is: say so, so the sign-in page can tell them why.
      if (found && 'ended' in found && user?.disabledAt) throw forbidden('account_disabled', DISABLED_MESSAGE);
      if (!found || 'ended' in found || !user) throw notFound('That session does not exist, has ended or has expired. Sign in again.');
      if (user.disabledAt) throw forbidden('account_disabled', DISABLED_MESSAGE);
      return { session: found.session, user: toUser(user) };
    },
  );

  app.delete(
    '/:sessionId',
    { schema: { params: SessionParams, response: { 204: Type.Null(), '4xx': ApiError } } },
    async (request, reply) => {
      await app.sessions.delete(request.params.sessionId);
      return reply.code(204).send(null);
    },
  );
};

export default routes;
