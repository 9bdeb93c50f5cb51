/**
 * Opening and using a password-reset link (no X-User-Id: the token is the
 * proof). Using one sets the password and ends every session of the person.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ApiError, ResetLinkInfo, UseResetLinkRequest } from '@homeagent/contract';
import { HttpError } from '../../../http-error.js';
import { hashPassword } from '../../../password-hash.js';
import { actorOf } from '../../../plugins/app/current-user.js';
import { ResetLinksRepository, type ResetLinkStatus } from '../../../plugins/app/reset-links-repository.js';
import type { UserRecord } from '../../../plugins/app/users-repository.js';
import { ResetTokenParams } from '../../../schemas/params.js';

const REFUSALS: Record<Exclude<ResetLinkStatus, 'usable'>, HttpError> = {
  unknown: new HttpError(404, 'reset_link_invalid', 'That password-reset link is not valid. Ask an admin for a new one.'),
  used: new HttpError(410, 'reset_link_used', 'That password-reset link has already been used. Ask an admin for a new one.'),
  expired: new HttpError(410, 'reset_link_expired', 'That password-reset link has expired. Ask an admin for a new one.'),
};

const routes: FastifyPluginAsyncTypebox = async (app) => {
  async function usable(token: string): Promise<{ user: UserRecord; expiresAt: string }> {
    const link = await app.resetLinks.get(token);
    const status = ResetLinksRepository.status(link);
    if (status !== 'usable') throw REFUSALS[status];
    const user = await app.users.get(link!.userId);
    if (!user) throw REFUSALS.unknown;
    return { user, expiresAt: link!.expiresAt };
  }

  app.get(
    '/:token',
    { schema: { params: ResetTokenParams, response: { 200: ResetLinkInfo, '4xx': ApiError } } },
    async (request) => {
      const { user, expiresAt } = await usable(request.params.token);
      return { username: user.username, displayName: user.displayName, expiresAt };
    },
  );

  app.post(
    '/:token',
    { schema: { params: ResetTokenParams, body: UseResetLinkRequest, response: { 204: Type.Null(), '4xx': ApiError } } },
    async (request, reply) => {
      const { token } = request.params;
      const { user } = await usable(token);
      const passwordHash = await hashPassword(request.body.password);
      // Consumed first: of two uses at once only one sets a password.
      if (!(await app.resetLinks.consume(token))) throw REFUSALS[ResetLinksRepository.status(await app.resetLinks.get(token)) === 'expired' ? 'expired' : 'used'];
      await app.users.setPasswordHash(user.id, passwordHash);
      const sessionsEnded = await app.sessions.deleteAllOf(user.id);
      await app.audit.record({ actor: actorOf(user), action: 'password.reset_link_used', target: { kind: 'user', id: user.id, username: user.username }, detail: { sessionsEnded }, request });
      return reply.code(204).send(null);
    },
  );
};

export default routes;
