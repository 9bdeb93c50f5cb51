/**
 * The page a password-reset link opens (/reset/:token). Anyone holding the
 * link may use it, once: the token is the proof. Using it signs the person
 * out everywhere (this browser too, if it was theirs) and sends them to sign in.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { LIMITS } from '@homeagent/contract';
import { AgentRequestError } from '../agent-api/agent-errors.js';
import { ResetForm, ResetParams } from '../schemas/account.js';
import { resetPage, resetRefusedPage } from '../views/password-reset-pages.js';

const TITLE = 'Choose a new password';

const passwordResetRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/reset/:token', { schema: { params: ResetParams } }, async (request, reply) => {
    const { token } = request.params;
    let info;
    try {
      info = await app.agent.resetLinks.get(token);
    } catch (error) {
      if (!(error instanceof AgentRequestError)) throw error;
      return reply.page('Link not valid', resetRefusedPage(error.message), { status: error.statusCode });
    }
    return reply.page(TITLE, resetPage(`/reset/${encodeURIComponent(token)}`, info, await reply.csrfToken()));
  });

  app.post('/reset/:token', { schema: { params: ResetParams, body: ResetForm } }, async (request, reply) => {
    const { token } = request.params;
    const password = request.body.password ?? '';
    let info;
    try {
      info = await app.agent.resetLinks.get(token);
    } catch (error) {
      if (!(error instanceof AgentRequestError)) throw error;
      return reply.page('Link not valid', resetRefusedPage(error.message), { status: error.statusCode });
    }
    const action = `/reset/${encodeURIComponent(token)}`;
    if (password.length < LIMITS.passwordMin || password.length > LIMITS.passwordMax) {
      const message = password.length < LIMITS.passwordMin ? `Password is too short: use at least ${LIMITS.passwordMin} characters.` : `Password is too long: use at most ${LIMITS.passwordMax} characters.`;
      return reply.page(TITLE, resetPage(action, info, await reply.csrfToken(), { password: message }), { status: 400 });
    }
    try {
      await app.agent.resetLinks.use(token, password);
    } catch (error) {
      if (!(error instanceof AgentRequestError)) throw error;
      return reply.page('Link not valid', resetRefusedPage(error.message), { status: error.statusCode });
    }
    reply.endSession();
    return reply.redirect('/sign-in?reason=password-reset', 303);
  });
};

export default passwordResetRoutes;
