import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ApiError, SessionResponse, SignInRequest } from '@homeagent/contract';
import { notFound, unauthorized } from '../../../http-error.js';
import { decoyPasswordHash, verifyPassword } from '../../../password-hash.js';
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
        request.log.info({ username }, 'sign-in refused');
        throw unauthorized('bad_credentials', 'That username and password do not match an account.');
      }
      const session = await app.sessions.create(user.id);
      return reply.code(201).send({ session, user: toUser(user) });
    },
  );

  app.get(
    '/:sessionId',
    { schema: { params: SessionParams, response: { 200: SessionResponse, '4xx': ApiError } } },
    async (request) => {
      const session = await app.sessions.get(request.params.sessionId);
      const user = session ? await app.users.get(session.userId) : undefined;
      if (!session || !user) throw notFound('That session does not exist, has ended or has expired. Sign in again.');
      return { session, user: toUser(user) };
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
