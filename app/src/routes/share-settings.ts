/** The admin's choice of who can open share links (its own small page beside Settings). */
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { sharingSettingsPage } from '../views/share-pages.js';

const SharingForm = Type.Object({
  _csrf: Type.Optional(Type.String({ maxLength: 1_000 })),
  // A checkbox: present ("on") when ticked, absent when not.
  publicLinks: Type.Optional(Type.Literal('on')),
});

const shareSettingsRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', app.requireAdmin);

  app.get('/settings/sharing', async (request, reply) => {
    const { publicLinks } = await app.agent.settings.getSharing(request.signedIn.user.id);
    return reply.page('Shared links', sharingSettingsPage(publicLinks, await reply.csrfToken()));
  });

  app.post('/settings/sharing', { schema: { body: SharingForm } }, async (request, reply) => {
    const { publicLinks } = await app.agent.settings.putSharing(request.signedIn.user.id, { publicLinks: request.body.publicLinks === 'on' });
    const notice = publicLinks ? 'Saved: anyone with a link can now open a shared chat.' : 'Saved: shared links open only for people signed in here.';
    return reply.page('Shared links', sharingSettingsPage(publicLinks, await reply.csrfToken(), notice));
  });
};

export default shareSettingsRoutes;
