import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  IDEMPOTENCY_KEY_HEADER,
  ApiError,
  ConversationDetailResponse,
  ConversationListResponse,
  ConversationResponse,
  CreateConversationRequest,
  LIMITS,
  RenameConversationRequest,
  StartConversationRequest,
  StartConversationResponse,
  conversationTopic,
} from '@homeagent/contract';
import { titleFrom } from '../../../conversation-context.js';
import { HttpError, badRequest, conflict, notFound } from '../../../http-error.js';
import { newId } from '../../../id-generator.js';
import { claimSend, sendFingerprint } from '../../../send-claim.js';
import { toConversation } from '../../../plugins/app/conversations-repository.js';
import { toMessage } from '../../../plugins/app/messages-repository.js';
import { purgeConversationAttachments } from '../../../plugins/app/attachment-purge.js';
import { SendHeaders, UserHeaders } from '../../../schemas/headers.js';
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
      await app.liveEvents.changed(request.user.id, conversation.id);
      return reply.code(201).send({ conversation: toConversation(conversation) });
    },
  );

  app.post(
    '/start',
    {
      // Backpressure before any work (send-admission.ts): 503 busy with Retry-After, nothing written.
      onRequest: app.sendAdmission.admit,
      schema: { headers: SendHeaders, body: StartConversationRequest, response: { 201: StartConversationResponse, '4xx': ApiError, 503: ApiError } },
    },
    async (request, reply) => {
      const { text, model, temperature, thinking } = request.body;
      if (text.trim() === '') throw badRequest('validation', '"text" must not be blank.');
      const choices = { ...(model ? { model } : {}), ...(temperature ? { temperature } : {}), ...(thinking ? { thinking } : {}) };
      const userId = request.user.id;
      // The key names the conversation this send will create: sent again, the first attempt's chat and messages come back.
      const claim = await claimSend(app, userId, request.headers[IDEMPOTENCY_KEY_HEADER], newId(), sendFingerprint('start', request.body));
      if (claim.kind === 'earlier') {
        const earlier = await app.conversations.get(userId, claim.conversationId);
        if (!earlier) throw notFound('That conversation does not exist.');
        const topic = conversationTopic(app.config.publicUrl, userId, earlier.id);
        return reply.code(201).send({ conversation: toConversation(earlier), userMessage: toMessage(claim.userMessage), assistantMessage: toMessage(claim.assistant), topic });
      }
      const giveBack = async (error: unknown): Promise<never> => {
        await claim.release();
        throw error;
      };
      // As for a message (messages.ts): the app has given up on a call that waited here past its timeout.
      if (request.raw.socket.destroyed) await giveBack(new HttpError(503, 'caller_gone', 'The request was given up before it could be sent. Please try again.'));
      // Named from the first message now, so the title is there when the page shows the sent message.
      const conversation = await app.conversations.create(userId, titleFrom(text), claim.conversationId).catch(giveBack);
      let sent;
      try {
        sent = await app.streamRunner.send(request.user, conversation, text, Date.now(), choices, request.body.attachmentIds ?? [], claim.ids);
      } catch (error) {
        // A refused first message (budget, Bedrock down) must not leave an empty chat behind.
        const refusal = await app.conversations.markDeleted(userId, conversation.id).catch((e: unknown) => e);
        if (refusal === undefined) await app.conversations.purge(userId, conversation.id).catch((e: unknown) => request.log.error({ err: e }, 'could not undo a new conversation'));
        return giveBack(error);
      }
      const { userMessage, assistant, topic } = sent;
      return reply.code(201).send({ conversation: toConversation(conversation), userMessage: toMessage(userMessage), assistantMessage: toMessage(assistant), topic });
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

  app.patch(
    '/:conversationId',
    {
      schema: { headers: UserHeaders, params: ConversationParams, body: RenameConversationRequest, response: { 200: ConversationResponse, '4xx': ApiError } },
    },
    async (request) => {
      const title = request.body.title.trim();
      if (title === '') throw badRequest('validation', 'The title must not be blank.');
      if (title.length > LIMITS.titleMax) throw badRequest('validation', `The title must be at most ${LIMITS.titleMax} characters.`);
      const conversation = await app.conversations.rename(request.user.id, request.params.conversationId, title);
      if (!conversation) throw notFound('That conversation does not exist.');
      await app.liveEvents.renamed(request.user.id, conversation.id);
      return { conversation: toConversation(conversation) };
    },
  );

  app.delete(
    '/:conversationId',
    { schema: { headers: UserHeaders, params: ConversationParams, response: { 204: Type.Null(), '4xx': ApiError } } },
    async (request, reply) => {
      const { conversationId } = request.params;
      const userId = request.user.id;
      let refusal = await app.conversations.markDeleted(userId, conversationId);
      if (refusal === 'reply_in_progress') {
        // A lock can outlive its reply (the conversation lock decides): it should not block a delete.
        const locked = await app.conversations.get(userId, conversationId);
        if (!locked || (await app.conversationLock.releaseIfSettled(locked))) refusal = await app.conversations.markDeleted(userId, conversationId);
      }
      if (refusal === 'not_found') throw notFound('That conversation does not exist.');
      if (refusal === 'reply_in_progress') {
        throw conflict('reply_in_progress', 'Claude is still answering in this conversation. Stop the reply first, then delete the conversation.');
      }
      // Files first: they are found from the messages, which the purge removes.
      await purgeConversationAttachments(app, userId, conversationId);
      await app.conversations.purge(userId, conversationId);
      // Its open pages say so; the sidebars of the others drop it.
      await app.liveEvents.deleted(userId, conversationId);
      return reply.code(204).send(null);
    },
  );

  await app.register(messages, { prefix: '/:conversationId/messages' });
};

export default routes;
