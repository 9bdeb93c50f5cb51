/**
 * Signing in with a passkey: no username, the browser offers the passkeys it
 * holds for this site. Every answer, accepted or refused, is an audit entry
 * (`method: passkey`); a disabled person is refused like at the password form.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApiError, DISABLED_MESSAGE, PasskeyOptionsResponse, PasskeySignInRequest, SessionResponse } from '@homeagent/contract';
import { forbidden } from '../../../http-error.js';
import { clientOf } from '../../../plugins/app/audit-repository.js';
import { actorOf } from '../../../plugins/app/current-user.js';
import { toUser } from '../../../plugins/app/users-repository.js';
import { authenticationOptions, verifyAuthentication } from '../../../relying-party.js';

/** How an audit entry names someone a refused passkey did not identify. */
const UNKNOWN_ACTOR = { username: '(unknown passkey)' };

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/passkey-options',
    { schema: { response: { 200: PasskeyOptionsResponse, '4xx': ApiError } } },
    async () => ({ options: await authenticationOptions(app) }),
  );

  app.post(
    '/passkey',
    { schema: { body: PasskeySignInRequest, response: { 201: SessionResponse, '4xx': ApiError } } },
    async (request, reply) => {
      const outcome = await verifyAuthentication(app, request, request.body.credential);
      if (!outcome.ok) {
        await app.audit.record({
          actor: outcome.user ? actorOf(outcome.user) : UNKNOWN_ACTOR,
          action: 'sign_in.failed',
          outcome: 'refused',
          detail: { method: 'passkey', reason: outcome.error.code },
          request,
        });
        throw outcome.error;
      }
      const { user, passkey } = outcome;
      if (user.disabledAt) {
        await app.audit.record({ actor: actorOf(user), action: 'sign_in.failed', outcome: 'refused', detail: { method: 'passkey', reason: 'disabled' }, request });
        throw forbidden('account_disabled', DISABLED_MESSAGE);
      }
      await app.passkeys.noteUse(passkey, outcome.newCounter);
      const session = await app.sessions.create(user.id, clientOf(request));
      await app.users.noteSignIn(user.id);
      await app.audit.record({
        actor: actorOf(user),
        action: 'sign_in.succeeded',
        target: { kind: 'passkey', id: passkey.handle },
        detail: { method: 'passkey' },
        request,
      });
      return reply.code(201).send({ session, user: toUser(user) });
    },
  );
};

export default routes;
