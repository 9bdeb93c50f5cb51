/**
 * "New chat" without an empty conversation: /c/new shows a composer and
 * stores nothing; the first message creates the conversation (named from
 * it at once) and opens it, where the reply streams in.
 */
import type { FastifyPluginAsync } from 'fastify';
import { conversationListTopic } from '@homeagent/contract';
import { liveConnection } from '../views/live-connection.js';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { isHtmxRequest } from '../plugins/app/page-reply.js';
import { TokenOnlyForm } from '../schemas/account.js';
import { SendMessageForm } from '../schemas/conversation.js';
import { AgentRequestError } from '../agent-api/agent-errors.js';
import { pendingAttachments, readSubmission, refusalOf, sendAgainLater, withAttachments } from '../message-submission.js';
import type { ComposerState } from '../views/conversation-pages.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { chatActions, composer, conversationPath, conversationRefresh, NEW_CHAT_ID } from '../views/conversation-pages.js';
import { messageBubble } from '../views/message-bubble.js';
import { html } from '../views/html.js';
import { newChatPage } from '../views/new-chat-page.js';

const NEW_CHAT_PATH = conversationPath(NEW_CHAT_ID);

const newChatRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', app.requireSession);

  /** The empty chat; after a refused plain form post, with the form as the person left it. */
  async function page(request: FastifyRequest, reply: FastifyReply, composerState?: ComposerState, status = 200) {
    const [{ conversations }, models] = await Promise.all([
      app.agent.conversations.list(request.signedIn.user.id),
      app.agent.models.list(request.signedIn.user.id),
    ]);
    return reply.page('New chat', newChatPage(conversations, await reply.csrfToken(), models, composerState), { pageClass: 'page-chat', status });
  }

  app.get(NEW_CHAT_PATH, async (request, reply) => page(request, reply));

  // The "New chat" button posts here (it used to create a conversation); nothing is stored.
  app.post(NEW_CHAT_PATH, { schema: { body: TokenOnlyForm } }, async (_request, reply) => reply.redirect(NEW_CHAT_PATH, 303));

  app.post(`${NEW_CHAT_PATH}/messages`, { config: { multipartForm: true }, schema: { body: SendMessageForm } }, async (request, reply) => {
    const current = request.signedIn;
    const submission = await readSubmission(app, current.user.id, request.body);
    const { choices } = submission;
    const formAgain = async (error: string | undefined, status = 400, retryAfterSeconds?: number) => {
      if (retryAfterSeconds !== undefined) reply.header('retry-after', String(retryAfterSeconds));
      if (isHtmxRequest(request)) return reply.fragment(html`<p class="error">${error ?? ''}</p>`, status);
      const pending = await pendingAttachments(app, current.user.id, submission.attachmentIds);
      return page(request, reply, { text: submission.text, pending, choices, ...(submission.sendKey ? { sendKey: submission.sendKey } : {}), ...(error ? { error } : {}) }, status);
    };
    const refusal = refusalOf(submission);
    if (refusal !== undefined || submission.removed) return formAgain(refusal, refusal === undefined ? 200 : 400);
    if (await app.sendLimits.refuseWhenTooFast(request, reply, NEW_CHAT_PATH)) return reply;
    let started;
    try {
      started = await app.agent.conversations.start(current.user.id, submission.text, withAttachments(submission), submission.idempotencyKey);
    } catch (error) {
      // Busy: the agent's Retry-After passes through, beside the form as the person left it (htmx and plain post alike).
      const later = sendAgainLater(error, submission);
      if (later) return formAgain(later.message, 503, later.retryAfterSeconds);
      if (isHtmxRequest(request) || !(error instanceof AgentRequestError)) throw error;
      return formAgain(error.message, error.statusCode);
    }
    const { conversation } = started;
    const path = conversationPath(conversation.id);
    if (!isHtmxRequest(request)) return reply.redirect(path, 303);
    // In place, as any send: both bubbles (the reply streams at once), a composer that now posts to
    // the new chat, its title and the sidebar; the address becomes the chat's (HX-Replace-Url).
    await reply.issueHubCookie(current);
    const csrfToken = await reply.csrfToken();
    const context = { topic: started.topic, csrfToken };
    const { conversations } = await app.agent.conversations.list(current.user.id);
    return reply.header('hx-replace-url', path).fragment(html`${messageBubble(started.userMessage, context)}
${messageBubble(started.assistantMessage, context)}
<hx-partial hx-target="#composer" hx-swap="outerHTML">${composer({ conversationId: conversation.id, csrfToken, autofocus: true, models: await app.agent.models.list(current.user.id), choices })}</hx-partial>
<hx-partial hx-target="#chat-actions-slot" hx-swap="outerHTML">${chatActions(conversation, csrfToken)}</hx-partial>
${conversationRefresh(conversations, conversation.id)}
<hx-partial hx-target="#live-slot" hx-swap="outerHTML">${liveConnection({
      conversationPath: path,
      topics: [started.topic, conversationListTopic(app.config.publicUrl, current.user.id)],
      lastEventId: started.assistantMessage.lastEventId,
    })}</hx-partial>`);
  });
};

export default newChatRoutes;
