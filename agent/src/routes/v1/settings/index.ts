import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApiError, Settings } from '@homeagent/contract';
import { badRequest } from '../../../http-error.js';
import { UserHeaders } from '../../../schemas/headers.js';
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
      await app.settings.put(settings);
      await app.audit.record({ actor: actorOf(request.user), action: 'settings.changed', target: { kind: 'settings' }, detail: { defaultModel: settings.defaultModel, models: ids.length }, request });
      return app.settings.get();
    },
  );
};

export default routes;
