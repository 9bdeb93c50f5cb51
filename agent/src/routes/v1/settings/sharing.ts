import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApiError, SharingSettings } from '@homeagent/contract';
import { UserHeaders } from '../../../schemas/headers.js';

/** Under /v1/settings (admins only, checked by the parent): who can open share links. */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', { schema: { headers: UserHeaders, response: { 200: SharingSettings, '4xx': ApiError } } }, async () => ({
    publicLinks: await app.settings.publicShareLinks(),
  }));

  app.put('/', { schema: { headers: UserHeaders, body: SharingSettings, response: { 200: SharingSettings, '4xx': ApiError } } }, async (request) => {
    await app.settings.setPublicShareLinks(request.body.publicLinks);
    request.log.info({ publicLinks: request.body.publicLinks }, 'sharing settings changed');
    return { publicLinks: await app.settings.publicShareLinks() };
  });
};

export default routes;
