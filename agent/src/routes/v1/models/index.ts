import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApiError, ModelListResponse } from '@homeagent/contract';
import { UserHeaders } from '../../../schemas/headers.js';
import { usableModels } from '../../../model-catalogue.js';

/** The models a person may pick for a chat: the enabled ones, the admin's default first. */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/',
    { schema: { headers: UserHeaders, response: { 200: ModelListResponse, '4xx': ApiError } }, preHandler: app.loadUser },
    async () => {
      const settings = await app.settings.get();
      return { defaultModel: settings.defaultModel, models: usableModels(settings.models, settings.defaultModel) };
    },
  );
};

export default routes;
