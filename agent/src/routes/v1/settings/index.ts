import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ApiError, Settings } from '@homeagent/contract';
import { completeModel, modelProblems } from '../../../model-catalogue.js';
import { badRequest } from '../../../http-error.js';
import { UserHeaders } from '../../../schemas/headers.js';
import sharing from './sharing.js';
import { actorOf } from '../../../plugins/app/current-user.js';

/** The installation's model, system prompt and model prices: admins only. */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  // Before validation, so a member learns nothing about what the body should be.
  app.addHook('preValidation', app.requireAdmin);

  app.get('/', { schema: { headers: UserHeaders, response: { 200: Settings, '4xx': ApiError } } }, async () => app.settings.get());

  app.put(
    '/',
    { schema: { headers: UserHeaders, body: Settings, response: { 200: Settings, '4xx': ApiError } } },
    async (request) => {
      const settings = request.body;
      if (!settings.models.some((m) => m.modelId === settings.defaultModel)) {
        throw badRequest('validation', '"defaultModel" must be one of the models listed in "models".');
      }
      const ids = settings.models.map((m) => m.modelId);
      if (new Set(ids).size !== ids.length) throw badRequest('validation', 'Each model may be listed only once in "models".');
      if (settings.systemPrompt.trim() === '') throw badRequest('validation', '"systemPrompt" must not be blank.');
      const problems = settings.models.flatMap((m, i) => modelProblems(completeModel(m), i));
      if (problems.length > 0) throw badRequest('validation', problems.join(' '));
      const chosen = completeModel(settings.models.find((m) => m.modelId === settings.defaultModel)!);
      if (!chosen.enabled) throw badRequest('validation', 'The default model must be enabled: people get it when they pick none.');
      await app.settings.put(settings);
      await app.audit.record({ actor: actorOf(request.user), action: 'settings.changed', target: { kind: 'settings' }, detail: { defaultModel: settings.defaultModel, models: ids.length }, request });
      return app.settings.get();
    },
  );

  /** The newest time Bedrock refused access to a model, for the Settings page's "what to check". */
  app.get(
    '/access',
    {
      schema: {
        headers: UserHeaders,
        response: {
          200: Type.Object({
            problem: Type.Union([Type.Object({ at: Type.String(), modelId: Type.String(), errorName: Type.String(), detail: Type.String() }), Type.Null()]),
          }),
          '4xx': ApiError,
        },
      },
    },
    async () => ({ problem: (await app.settings.accessProblem()) ?? null }),
  );
  await app.register(sharing, { prefix: '/sharing' });
};

export default routes;
