/**
 * "Your account" (/account): display name, password, signed-in devices and
 * one's own recent sign-ins. Plain forms: success redirects with 303 and a
 * fixed notice; a refusal shows the page again with the message.
 */
import { createHash } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { LIMITS } from '@homeagent/contract';
import { AgentRequestError } from '../agent-api/agent-errors.js';
import { DisplayNameForm, PasswordForm, SessionHandleParams, TokenOnlyForm } from '../schemas/account.js';
import type { FieldErrors } from '../views/form-messages.js';
import { accountPage } from '../views/my-account-pages.js';
import { PASSKEY_SCRIPT } from '../views/passkey-views.js';

/** The agent names sessions by the SHA-256 of their id (base64url); this one's handle, to mark "this device". */
export function sessionHandle(sessionId: string): string {
  return createHash('sha256').update(sessionId, 'utf8').digest('base64url');
}

const NOTICES: Record<string, string> = {
  name: 'Your display name is saved.',
  password: 'Your password is changed, and every other device is signed out.',
  ended: 'That session has ended: the device is signed out.',
  'passkey-added': 'Your passkey is added: you can sign in with it now.',
  'passkey-removed': 'That passkey is removed: it no longer signs you in.',
};
const AccountQuery = Type.Object({ done: Type.Optional(Type.String({ maxLength: 20 })) });

const myAccountRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', app.requireSession);

  async function show(request: FastifyRequest, reply: FastifyReply, status: number, extra: { errors?: FieldErrors; displayName?: string; notice?: string } = {}) {
    const { user, session } = request.signedIn;
    const [sessions, audit, passkeys] = await Promise.all([
      app.agent.sessions.list(user.id),
      app.agent.audit.listOwn(user.id, { limit: 30 }),
      app.agent.passkeys.list(user.id),
    ]);
    const signIns = audit.entries.filter((e) => e.action === 'sign_in.succeeded' || e.action === 'sign_in.failed').slice(0, 10);
    const body = accountPage({ user, csrfToken: await reply.csrfToken(), sessions: sessions.sessions, currentHandle: sessionHandle(session.id), signIns, passkeys: passkeys.passkeys, ...extra });
    return reply.page('Your account', body, { status, scripts: [PASSKEY_SCRIPT] });
  }

  app.get('/account', { schema: { querystring: AccountQuery } }, async (request, reply) => {
    const notice = NOTICES[request.query.done ?? ''];
    return show(request, reply, 200, notice ? { notice } : {});
  });

  app.post('/account/display-name', { schema: { body: DisplayNameForm } }, async (request, reply) => {
    const displayName = (request.body.displayName ?? '').trim();
    if (!displayName) return show(request, reply, 400, { displayName, errors: { displayName: 'Enter the name others will see.' } });
    if (displayName.length > LIMITS.displayNameMax) {
      return show(request, reply, 400, { displayName, errors: { displayName: `Display name must be at most ${LIMITS.displayNameMax} characters long.` } });
    }
    await app.agent.accounts.changeDisplayName(request.signedIn.user.id, displayName);
    return reply.redirect('/account?done=name', 303);
  });

  app.post('/account/password', { schema: { body: PasswordForm } }, async (request, reply) => {
    const currentPassword = request.body.currentPassword ?? '';
    const newPassword = request.body.newPassword ?? '';
    const errors: FieldErrors = {};
    if (!currentPassword) errors.currentPassword = 'Enter your current password.';
    if (newPassword.length < LIMITS.passwordMin) errors.newPassword = `Password is too short: use at least ${LIMITS.passwordMin} characters.`;
    else if (newPassword.length > LIMITS.passwordMax) errors.newPassword = `Password is too long: use at most ${LIMITS.passwordMax} characters.`;
    if (Object.keys(errors).length > 0) return show(request, reply, 400, { errors });
    const { user, session } = request.signedIn;
    try {
      await app.agent.accounts.changePassword(user.id, { currentPassword, newPassword, sessionId: session.id });
    } catch (error) {
      if (!(error instanceof AgentRequestError) || error.code !== 'wrong_password') throw error;
      return show(request, reply, 400, { errors: { currentPassword: 'That is not your current password, so nothing was changed.' } });
    }
    return reply.redirect('/account?done=password', 303);
  });

  app.post('/account/sessions/:handle/end', { schema: { params: SessionHandleParams, body: TokenOnlyForm } }, async (request, reply) => {
    try {
      await app.agent.sessions.end(request.signedIn.user.id, request.params.handle);
    } catch (error) {
      if (!(error instanceof AgentRequestError) || error.statusCode !== 404) throw error;
      // Ended elsewhere meanwhile: the page shows how things stand.
    }
    return reply.redirect('/account?done=ended', 303);
  });
};

export default myAccountRoutes;
