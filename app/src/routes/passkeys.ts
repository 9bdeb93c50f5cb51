/**
 * Passkeys in the app: relays between passkey.js and the agent, which runs
 * and verifies both WebAuthn ceremonies. The browser posts ordinary form
 * bodies (the app parses no JSON) with the CSRF token; the options and the
 * outcome come back as JSON (`{ options }`, `{ location }`, or `{ message }`
 * with a 4xx), which only passkey.js reads. Removing a passkey is a plain
 * form that works without JavaScript.
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DISABLED_MESSAGE, PASSKEY_NAME_MAX } from '@homeagent/contract';
import { deviceName } from '../device-name.js';
import { AgentRequestError } from '../agent-api/agent-errors.js';
import { TooManyAttemptsError } from '../plugins/app/sign-in-limits.js';
import { TokenOnlyForm } from '../schemas/account.js';

const field = Type.Optional(Type.String({ maxLength: 1_000 }));
/** A browser's passkey answer, as JSON text; an attestation is a few KiB. */
const PasskeyAnswerForm = Type.Object({ _csrf: field, name: field, credential: Type.Optional(Type.String({ maxLength: 64 * 1024 })) });
const PasskeyParams = Type.Object({ passkeyId: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }) });

/** The answer passkey.js sent, parsed; undefined when it is not a JSON object. */
function parseAnswer(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function refuse(reply: FastifyReply, status: number, message: string) {
  return reply.code(status).send({ message });
}

const passkeyRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.post('/sign-in/passkey/options', { schema: { body: TokenOnlyForm } }, async () => app.agent.sessions.passkeySignInOptions());

  app.post('/sign-in/passkey', { schema: { body: PasskeyAnswerForm } }, async (request, reply) => {
    try {
      app.signInLimits.countAttempt(request);
    } catch (error) {
      if (!(error instanceof TooManyAttemptsError)) throw error;
      reply.header('retry-after', String(error.retryAfterSeconds));
      return refuse(reply, 429, error.message);
    }
    const credential = parseAnswer(request.body.credential);
    if (!credential) return refuse(reply, 400, 'The browser sent no passkey answer. Try again.');
    try {
      const signedIn = await app.agent.sessions.signInWithPasskey({ credential: credential as never });
      await reply.startSession(signedIn);
    } catch (error) {
      if (!(error instanceof AgentRequestError)) throw error;
      return refuse(reply, error.statusCode, error.code === 'account_disabled' ? DISABLED_MESSAGE : error.message);
    }
    return { location: '/' };
  });

  app.register(async (signedInOnly) => {
    signedInOnly.addHook('onRequest', app.requireSession);
    const scoped = signedInOnly.withTypeProvider<TypeBoxTypeProvider>();

    scoped.post('/account/passkeys/options', { schema: { body: TokenOnlyForm } }, async (request) =>
      app.agent.passkeys.registrationOptions(request.signedIn.user.id),
    );

    scoped.post('/account/passkeys', { schema: { body: PasskeyAnswerForm } }, async (request, reply) => {
      const credential = parseAnswer(request.body.credential);
      if (!credential) return refuse(reply, 400, 'The browser sent no passkey. Try again.');
      const typed = (request.body.name ?? '').trim();
      if (typed.length > PASSKEY_NAME_MAX) return refuse(reply, 400, `A passkey name is at most ${PASSKEY_NAME_MAX} characters long.`);
      // Left empty: named after the device it was made on, as the session list names devices.
      const name = typed || deviceName(request.headers['user-agent']).slice(0, PASSKEY_NAME_MAX);
      try {
        await app.agent.passkeys.add(request.signedIn.user.id, { name, credential: credential as never });
      } catch (error) {
        if (!(error instanceof AgentRequestError)) throw error;
        return refuse(reply, error.statusCode, error.message);
      }
      return { location: '/account?done=passkey-added' };
    });

    scoped.post('/account/passkeys/:passkeyId/remove', { schema: { params: PasskeyParams, body: TokenOnlyForm } }, async (request, reply) => {
      try {
        await app.agent.passkeys.remove(request.signedIn.user.id, request.params.passkeyId);
      } catch (error) {
        if (!(error instanceof AgentRequestError) || error.statusCode !== 404) throw error;
        // Removed elsewhere meanwhile: the page shows how things stand.
      }
      return reply.redirect('/account?done=passkey-removed', 303);
    });
  });
};

export default passkeyRoutes;
