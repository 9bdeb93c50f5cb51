import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  ApiError,
  ConversationDetailResponse,
  ConversationListResponse,
  ConversationResponse,
  CreateConversationRequest,
} from '../../../contract.js';
import { notFound } from '../../../http-error.js';
import { toConversation } from '../../../plugins/app/conversations-repository.js';
import { toMessage } from '../../../plugins/app/messages-repository.js';
import { UserHeaders } from '../../../schemas/headers.js';
import { ConversationParams } from '../../../schemas/params.js';
import { emptyBodyAsObject } from '../../../schemas/optional-body.js';
import messages from './messages.js';

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.loadUser);

  app.get(
    '/',
    { schema: { headers: UserHeaders, response: { 200: ConversationListResponse, '4xx': ApiError } } },
    async (request) => ({ conversations: await app.conversations.list(request.user.id) }),
  );

  app.post(
    '/',
    {
      schema: { headers: UserHeaders, body: CreateConversationRequest, response: { 201: ConversationResponse, '4xx': ApiError } },
      preValidation: emptyBodyAsObject,
    },
    async (request, reply) => {
      const conversation = await app.conversations.create(request.user.id, request.body.title);
      return reply.code(201).send({ conversation: toConversation(conversation) });
    },
  );

  app.get(
    '/:conversationId',
    { schema: { headers: UserHeaders, params: ConversationParams, response: { 200: ConversationDetailResponse, '4xx': ApiError } } },
    async (request) => {
      const conversation = await app.conversations.get(request.user.id, request.params.conversationId);
      if (!conversation) throw notFound('That conversation does not exist.');
      const records = await app.messages.listAll(conversation.id);
      const recovered = await Promise.all(records.map((m) => app.streamRunner.recoverIfStale(m)));
      return { conversation: toConversation(conversation), messages: recovered.map(toMessage) };
    },
  );

  await app.register(messages, { prefix: '/:conversationId/messages' });
};

export default routes;
