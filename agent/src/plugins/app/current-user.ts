import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import { DISABLED_MESSAGE, USER_ID_HEADER, type AuditActor } from '@homeagent/contract';
import { HttpError, forbidden } from '../../http-error.js';
import { ID_PATTERN } from '../../schemas/headers.js';
import type { UserRecord } from './users-repository.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** the person the app acts for (`X-User-Id`), loaded by `loadUser` */
    user: UserRecord;
  }
  interface FastifyInstance {
    loadUser: (request: FastifyRequest) => Promise<void>;
    requireAdmin: (request: FastifyRequest) => Promise<void>;
  }
}

/** How the audit trail names a person. */
export function actorOf(user: Pick<UserRecord, 'id' | 'username'>): AuditActor {
  return { userId: user.id, username: user.username };
}

const USER_ID = new RegExp(ID_PATTERN.replace('+', '{1,64}'));

/**
 * Routes that act for a person name them in `X-User-Id`. The service key has
 * already proved the caller is the app; this only checks that the person
 * still exists, so a deleted account cannot keep chatting with an old session.
 */
export default fp(
  async (app) => {
    app.decorateRequest('user', null as unknown as UserRecord);

    /** `fresh`: the record read now, not as a moment ago (users-repository.ts `getRecent`). */
    const load = async (request: FastifyRequest, fresh: boolean) => {
      const id = request.headers[USER_ID_HEADER];
      if (typeof id !== 'string' || id === '') {
        throw new HttpError(400, 'validation', 'The header "x-user-id" is required.');
      }
      // Checked here as well as in the route schemas: admin routes load the user before validation.
      if (!USER_ID.test(id)) throw new HttpError(400, 'validation', 'The header "x-user-id" is not a user id.');
      // A page or a send is a burst of calls for one person: the record read by its first answers the rest.
      const user = await (fresh ? app.users.get(id) : app.users.getRecent(id));
      if (!user) throw new HttpError(401, 'unknown_user', 'The person this request is for has no account (any more). Sign in again.');
      if (user.disabledAt) throw forbidden('account_disabled', DISABLED_MESSAGE);
      request.user = user;
    };
    // A hook's second argument is the reply: the flag is never taken from it.
    app.decorate('loadUser', (request: FastifyRequest) => load(request, false));

    app.decorate('requireAdmin', async (request: FastifyRequest) => {
      // An admin's powers are checked on the stored record: a role taken away holds at once, in every process.
      await load(request, true);
      if (request.user.role !== 'admin') throw forbidden('admin_only', 'Only an admin can do this.');
    });
  },
  { name: 'current-user', dependencies: ['users-repository'] },
);
