/**
 * Share links: make one from a chat, list and revoke one's links, and the
 * read-only shared page under /share/<token>, which needs no session when
 * an admin allows public links (the agent decides) and is never indexed.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { SHARE_TOKEN_PATTERN } from '@homeagent/contract';
import { AgentRequestError } from '../agent-api/agent-errors.js';
import { TokenOnlyForm } from '../schemas/account.js';
import { ConversationParams } from '../schemas/conversation.js';
import { shareCreatedPage, shareCreatePage, sharedSnapshotPage, shareListPage, sharePath, shareRefusedPage, SHARES_PATH } from '../views/share-pages.js';

const ShareParams = Type.Object({ shareId: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' }) });
// Loose, so a mistyped link gets the "does not work" page rather than a bare 400.
const TokenParams = Type.Object({ token: Type.String({ maxLength: 200 }) });
const TOKEN = new RegExp(SHARE_TOKEN_PATTERN);

const shareRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/c/:conversationId/share', { onRequest: app.requireSession, schema: { params: ConversationParams } }, async (request, reply) => {
    const { conversation } = await app.agent.conversations.get(request.signedIn.user.id, request.params.conversationId);
    return reply.page('Share chat', shareCreatePage(conversation, await reply.csrfToken()));
  });

  app.post('/c/:conversationId/share', { onRequest: app.requireSession, schema: { params: ConversationParams, body: TokenOnlyForm } }, async (request, reply) => {
    const userId = request.signedIn.user.id;
    const { conversation } = await app.agent.conversations.get(userId, request.params.conversationId);
    let token;
    try {
      ({ token } = await app.agent.shares.create(userId, conversation.id));
    } catch (error) {
      if (!(error instanceof AgentRequestError) || error.code !== 'nothing_to_share') throw error;
      return reply.page('Share chat', shareCreatePage(conversation, await reply.csrfToken(), error.message), { status: 409 });
    }
    const url = `${app.config.publicUrl.replace(/\/+$/, '')}${sharePath(token)}`;
    // The only time the link exists outside the visitor's clipboard: keep it out of caches.
    reply.header('cache-control', 'no-store');
    return reply.page('Link created', shareCreatedPage(conversation, url), { status: 201 });
  });

  app.get(SHARES_PATH, { onRequest: app.requireSession }, async (request, reply) => {
    const { shares } = await app.agent.shares.list(request.signedIn.user.id);
    return reply.page('Your shared links', shareListPage(shares, await reply.csrfToken()));
  });

  app.post(`${SHARES_PATH}/:shareId/revoke`, { onRequest: app.requireSession, schema: { params: ShareParams, body: TokenOnlyForm } }, async (request, reply) => {
    const userId = request.signedIn.user.id;
    await app.agent.shares.revoke(userId, request.params.shareId);
    const { shares } = await app.agent.shares.list(userId);
    return reply.page('Your shared links', shareListPage(shares, await reply.csrfToken(), 'The link was revoked: it no longer opens.'));
  });

  app.get('/share/:token', { schema: { params: TokenParams } }, async (request, reply) => {
    // Never indexed, and the token never leaves in a Referer header from a link in the snapshot.
    reply.header('x-robots-tag', 'noindex').header('referrer-policy', 'no-referrer').header('cache-control', 'private, no-store');
    const { token } = request.params;
    const signedIn = await request.currentSession();
    let snapshot;
    try {
      if (!TOKEN.test(token)) throw new AgentRequestError(404, 'not_found', 'This shared link does not work: it was revoked, or it never existed.');
      snapshot = await app.agent.shares.open(token, signedIn?.user.id);
    } catch (error) {
      if (!(error instanceof AgentRequestError) || (error.statusCode !== 404 && error.code !== 'sign_in_required')) throw error;
      const signIn = error.code === 'sign_in_required';
      return reply.page(signIn ? 'Sign in' : 'Link not found', shareRefusedPage(signIn, error.message), { status: signIn ? 401 : 404, noindex: true });
    }
    return reply.page(snapshot.title || 'Shared chat', sharedSnapshotPage(snapshot, token), { noindex: true, pageClass: 'page-chat page-shared' });
  });
};

export default shareRoutes;
