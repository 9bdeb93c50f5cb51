import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApiError, SafetyResponse, SetDefaultGuardrailRequest, SetPersonGuardrailRequest } from '@homeagent/contract';
import { notFound } from '../../../http-error.js';
import { SafetyRepository } from '../../../plugins/app/safety-repository.js';
import { UserHeaders } from '../../../schemas/headers.js';
import { UserParams } from '../../../schemas/params.js';

/** Which guardrail judges whose messages: admins only. */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preValidation', app.requireAdmin);

  async function overview() {
    const [item, users] = await Promise.all([app.safety.get(), app.users.list()]);
    const d = item.defaultForNewMembers;
    return {
      defaultForNewMembers: d ? { identifier: d.identifier, version: d.version } : null,
      people: users.map((u) => ({ userId: u.id, username: u.username, displayName: u.displayName, ...SafetyRepository.guardrailOf(item, u) })),
    };
  }

  app.get('/', { schema: { headers: UserHeaders, response: { 200: SafetyResponse, '4xx': ApiError } } }, async () => overview());

  app.put(
    '/default',
    { schema: { headers: UserHeaders, body: SetDefaultGuardrailRequest, response: { 200: SafetyResponse, '4xx': ApiError } } },
    async (request) => {
      await app.safety.setDefault(request.body.guardrail);
      request.log.info({ audit: 'guardrail_default_set', by: request.user.id, guardrail: request.body.guardrail }, 'the default guardrail for new members changed');
      return overview();
    },
  );

  app.put(
    '/people/:userId',
    { schema: { headers: UserHeaders, params: UserParams, body: SetPersonGuardrailRequest, response: { 200: SafetyResponse, '4xx': ApiError } } },
    async (request) => {
      const person = await app.users.get(request.params.userId);
      if (!person) throw notFound('That person does not exist.');
      await app.safety.setPerson(person.id, request.body.guardrail);
      request.log.info({ audit: 'guardrail_person_set', by: request.user.id, userId: person.id, guardrail: request.body.guardrail }, "a person's guardrail changed");
      return overview();
    },
  );
};

export default routes;
