import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApiError, SEARCH_LIMITS, SearchQuery, SearchResponse } from '@homeagent/contract';
import { badRequest } from '../../../http-error.js';
import { UserHeaders } from '../../../schemas/headers.js';

/** The person's own chats, by title and message text. */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.loadUser);

  app.get(
    '/',
    { schema: { headers: UserHeaders, querystring: SearchQuery, response: { 200: SearchResponse, '4xx': ApiError } } },
    async (request) => {
      const q = request.query.q.trim();
      if (q === '') throw badRequest('validation', 'Write a word to search for.');
      if (q.length > SEARCH_LIMITS.queryMax) throw badRequest('validation', `A search can be at most ${SEARCH_LIMITS.queryMax} characters.`);
      return app.searchIndex.search(request.user.id, q);
    },
  );
};

export default routes;
