import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApiError, IDEMPOTENCY_KEY_HEADER, MessageResponse, SendMessageRequest, SendMessageResponse, conversationTopic } from '@homeagent/contract';
import { HttpError, badRequest, conflict, notFound } from '../../../http-error.js';
import { toMessage } from '../../../plugins/app/messages-repository.js';
import { claimSend, sendFingerprint } from '../../../send-claim.js';
import { SendHeaders, UserHeaders } from '../../../schemas/headers.js';
import { ConversationParams, MessageParams } from '../../../schemas/params.js';

/** Under /v1/conversations/:conversationId/messages; the parent has loaded `request.user`. */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  /**
   * The message, found through the person's own conversation: the
   * conversation lookup is by their key, so this is the ownership check.
   */
  async function ownMessage(userId: string, conversationId: string, messageId: string) {
    const conversation = await app.conversations.get(userId, conversationId);
    const message = conversation ? await app.messages.get(conversationId, messageId) : undefined;
    if (!message) throw notFound('That message does not exist.');
    return message;
  }

  app.post(
    '/',
    {
      // Backpressure before any work (send-admission.ts): 503 busy with Retry-After, nothing written.
      onRequest: app.sendAdmission.admit,
      schema: { headers: SendHeaders, params: ConversationParams, body: SendMessageRequest, response: { 202: SendMessageResponse, '4xx': ApiError, 503: ApiError } },
    },
    async (request, reply) => {
      const requestedAt = Date.now();
      const text = request.body.text;
      if (text.trim() === '') throw badRequest('validation', '"text" must not be blank.');
      const conversation = await app.conversations.get(request.user.id, request.params.conversationId);
      if (!conversation) throw notFound('That conversation does not exist.');
      const { model, temperature, thinking } = request.body;
      const choices = { ...(model ? { model } : {}), ...(temperature ? { temperature } : {}), ...(thinking ? { thinking } : {}) };
      // Sent again with the same key (the app gave up on the first attempt): the first attempt's messages, no second reply.
      const claim = await claimSend(app, request.user.id, request.headers[IDEMPOTENCY_KEY_HEADER], conversation.id, sendFingerprint(conversation.id, request.body));
      if (claim.kind === 'earlier') {
        const topic = conversationTopic(app.config.publicUrl, request.user.id, conversation.id);
        return reply.code(202).send({ userMessage: toMessage(claim.userMessage), assistantMessage: toMessage(claim.assistant), topic });
      }
      try {
        // The app gives up on a call after its timeout (agent-client.ts) and tells the person to try again: a send
        // that waited here longer must not start a reply nobody was shown (the soak run, docs/RELIABILITY.md).
        if (request.raw.socket.destroyed) throw new HttpError(503, 'caller_gone', 'The request was given up before it could be sent. Please try again.');
        const { userMessage, assistant, topic } = await app.streamRunner.send(request.user, conversation, text, requestedAt, choices, request.body.attachmentIds ?? [], claim.ids);
        // send() has moved the chat up the list and named an untitled one (which also tells search it changed).
        return await reply.code(202).send({ userMessage: toMessage(userMessage), assistantMessage: toMessage(assistant), topic });
      } catch (error) {
        await claim.release();
        throw error;
      }
    },
  );

  app.get(
    '/:messageId',
    { schema: { headers: UserHeaders, params: MessageParams, response: { 200: MessageResponse, '4xx': ApiError } } },
    async (request) => {
      const { conversationId, messageId } = request.params;
      const message = await ownMessage(request.user.id, conversationId, messageId);
      return { message: toMessage(await app.streamRunner.recoverIfStale(message)) };
    },
  );

  app.post(
    '/:messageId/stop',
    { schema: { headers: UserHeaders, params: MessageParams, response: { 200: MessageResponse, '4xx': ApiError } } },
    async (request) => {
      const { conversationId, messageId } = request.params;
      const message = await ownMessage(request.user.id, conversationId, messageId);
      if (message.state !== 'streaming') {
        throw conflict('not_streaming', 'That reply has already finished, so there is nothing to stop.');
      }
      if (!(await app.streamRunner.stop(messageId))) {
        // Streaming in the table but not running here: a crashed process left it.
        await app.streamRunner.settleOrphan(message, 'stopped');
      }
      const stored = await app.messages.get(conversationId, messageId);
      if (stored?.state === 'streaming') throw conflict('not_streaming', 'That reply could not be stopped; try again.');
      return { message: toMessage(stored!) };
    },
  );
};

export default routes;
