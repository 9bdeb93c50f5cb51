/**
 * The admin's "Safety" page: attach a Bedrock guardrail to a person or set
 * one for new members. Members get 403 (before CSRF).
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { Guardrail, type SafetyResponse } from '@homeagent/contract';
import { Value } from 'typebox/value';
import { PersonParams } from '../schemas/people.js';
import { safetyPage } from '../views/safety-pages.js';

const field = Type.Optional(Type.String({ maxLength: 3_000 }));
const GuardrailForm = Type.Object({ _csrf: field, identifier: field, version: field });

/** Both empty: none; both valid: that guardrail; else a sentence saying what to fix. */
export function parseGuardrail(identifier = '', version = ''): { guardrail: Guardrail | null } | { error: string } {
  const id = identifier.trim();
  const v = version.trim().toUpperCase() === 'DRAFT' ? 'DRAFT' : version.trim();
  if (id === '' && v === '') return { guardrail: null };
  const guardrail = { identifier: id, version: v };
  if (!Value.Check(Guardrail, guardrail)) {
    return { error: 'Enter the guardrail id as Bedrock shows it (lower-case letters and digits, or its ARN) and a version: a number or DRAFT. Leave both empty for none.' };
  }
  return { guardrail };
}

const safetyRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', app.requireSession);
  app.addHook('onRequest', app.requireAdmin);

  async function show(reply: FastifyReply, safety: SafetyResponse, status = 200, notice?: string, error?: string) {
    return reply.page('Safety', safetyPage(safety, await reply.csrfToken(), notice, error), { status });
  }

  app.get('/safety', async (request, reply) => show(reply, await app.agent.safety.get(request.signedIn.user.id)));

  app.post('/safety/default', { schema: { body: GuardrailForm } }, async (request, reply) => {
    const { user } = request.signedIn;
    const parsed = parseGuardrail(request.body.identifier, request.body.version);
    if ('error' in parsed) return show(reply, await app.agent.safety.get(user.id), 400, undefined, parsed.error);
    const safety = await app.agent.safety.setDefault(user.id, { guardrail: parsed.guardrail });
    return show(reply, safety, 200, 'Saved. It applies to members who join from now on.');
  });

  app.post('/safety/people/:userId', { schema: { params: PersonParams, body: GuardrailForm } }, async (request, reply) => {
    const { user } = request.signedIn;
    const parsed = parseGuardrail(request.body.identifier, request.body.version);
    if ('error' in parsed) return show(reply, await app.agent.safety.get(user.id), 400, undefined, parsed.error);
    const safety = await app.agent.safety.setForPerson(user.id, request.params.userId, { guardrail: parsed.guardrail });
    return show(reply, safety, 200, 'Saved. It applies from their next message on.');
  });
};

export default safetyRoutes;
