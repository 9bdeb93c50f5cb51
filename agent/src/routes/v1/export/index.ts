import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApiError, DATA_EXPORT_FORMAT, DataExport, exportConversation, exportedUser } from '@homeagent/contract';
import { toConversation } from '../../../plugins/app/conversations-repository.js';
import { toMessage } from '../../../plugins/app/messages-repository.js';
import { toUser } from '../../../plugins/app/users-repository.js';
import { UserHeaders } from '../../../schemas/headers.js';

/** Conversations read from DynamoDB at once. */
const READ_CONCURRENCY = 8;
/** More conversations than anyone at home has. */
const CONVERSATIONS_MAX = 5_000;

/** "Download all my data": the person's account and every conversation of theirs, in one file. */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.loadUser);

  app.get('/', { schema: { headers: UserHeaders, response: { 200: DataExport, '4xx': ApiError } } }, async (request) => {
    const user = request.user;
    const exportedAt = new Date();
    const list = await app.conversations.list(user.id, CONVERSATIONS_MAX);
    const conversations: DataExport['conversations'] = [];
    for (let i = 0; i < list.length; i += READ_CONCURRENCY) {
      const batch = await Promise.all(
        list.slice(i, i + READ_CONCURRENCY).map(async (c) => {
          // Read through the person's own key: the list is theirs, and so is each conversation it names.
          const conversation = await app.conversations.get(user.id, c.id);
          if (!conversation) return undefined;
          const messages = await app.messages.listAll(conversation.id);
          return exportConversation(toConversation(conversation), messages.map(toMessage), exportedAt);
        }),
      );
      for (const c of batch) if (c) conversations.push(c);
    }
    return { format: DATA_EXPORT_FORMAT, exportedAt: exportedAt.toISOString(), user: exportedUser(toUser(user)), conversations } satisfies DataExport;
  });
};

export default routes;
