/**
 * Downloads: one conversation as Markdown or JSON, and "Download all my
 * data" (every conversation as one JSON file). Only one's own: the agent
 * reads through the person's key and answers 404 for anyone else's.
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { exportConversation } from '@homeagent/contract';
import { attachment, conversationMarkdown, exportFileName } from '../conversation-markdown.js';
import { ConversationParams } from '../schemas/conversation.js';

export const DATA_EXPORT_PATH = '/account/data.json';

function download(reply: FastifyReply, type: string, fileName: string, body: string): FastifyReply {
  return reply
    .header('content-disposition', attachment(fileName))
    // Someone's whole history: never kept by a shared cache or the back button.
    .header('cache-control', 'no-store')
    .type(type)
    .send(body);
}

const exportRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', app.requireSession);

  async function exported(userId: string, conversationId: string) {
    const { conversation, messages } = await app.agent.conversations.get(userId, conversationId);
    return exportConversation(conversation, messages);
  }

  app.get('/c/:conversationId/export.md', { schema: { params: ConversationParams } }, async (request, reply) => {
    const file = await exported(request.signedIn.user.id, request.params.conversationId);
    const name = exportFileName(file.conversation.title, file.exportedAt, 'md');
    return download(reply, 'text/markdown; charset=utf-8', name, conversationMarkdown(file));
  });

  app.get('/c/:conversationId/export.json', { schema: { params: ConversationParams } }, async (request, reply) => {
    const file = await exported(request.signedIn.user.id, request.params.conversationId);
    const name = exportFileName(file.conversation.title, file.exportedAt, 'json');
    return download(reply, 'application/json; charset=utf-8', name, `${JSON.stringify(file, null, 2)}\n`);
  });

  app.get(DATA_EXPORT_PATH, async (request, reply) => {
    const data = await app.agent.accounts.exportData(request.signedIn.user.id);
    const name = `homeagent-${exportFileName(data.user.username, data.exportedAt, 'json')}`;
    return download(reply, 'application/json; charset=utf-8', name, `${JSON.stringify(data, null, 2)}\n`);
  });
};

export default exportRoutes;
