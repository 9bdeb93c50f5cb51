/** GET /search?q=: the person's own chats by title and message text (the agent searches). */
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { SEARCH_LIMITS } from '@homeagent/contract';
import { searchResultsPage, SEARCH_PATH } from '../views/search-pages.js';

// Loose on purpose: an empty or overlong query gets the page with a sentence, not a bare 400.
const SearchPageQuery = Type.Object({ q: Type.Optional(Type.String({ maxLength: 10_000 })) });

const searchRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', app.requireSession);

  app.get(SEARCH_PATH, { schema: { querystring: SearchPageQuery } }, async (request, reply) => {
    const query = (request.query.q ?? '').trim();
    if (query === '') return reply.page('Search chats', searchResultsPage('', undefined));
    if (query.length > SEARCH_LIMITS.queryMax) {
      const error = `A search can be at most ${SEARCH_LIMITS.queryMax} characters.`;
      return reply.page('Search chats', searchResultsPage(query.slice(0, SEARCH_LIMITS.queryMax), undefined, error), { status: 400 });
    }
    const result = await app.agent.conversations.search(request.signedIn.user.id, query);
    return reply.page(`“${query}” · Search chats`, searchResultsPage(query, result));
  });
};

export default searchRoutes;
