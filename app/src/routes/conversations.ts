/**
 * The chat pages: the list, one conversation, sending a message, the
 * rendered state of one message, and stopping a reply. All need a session.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { LIMITS, conversationListTopic, conversationTopic } from '@homeagent/contract';
import { pendingAttachments, readSubmission, refusalOf, sendAgainLater, withAttachments } from '../message-submission.js';
import { AgentRequestError } from '../agent-api/agent-errors.js';
import { isHtmxRequest } from '../plugins/app/page-reply.js';
import { TokenOnlyForm } from '../schemas/account.js';
import { ConversationParams, MessageParams, RenameForm, SendMessageForm } from '../schemas/conversation.js';
import {
  composer,
  contextNote,
  conversationListPage,
  conversationListRefresh,
  conversationPage,
  conversationPath,
  conversationRefresh,
  deleteConfirmPage,
  type ComposerState,
  NEW_CHAT_ID,
  renameForm,
} from '../views/conversation-pages.js';
import { html, type Html } from '../views/html.js';
import { LIST_REFRESH_PATH } from '../views/live-connection.js';
import { messageBubble } from '../views/message-bubble.js';

const conversationRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  // onRequest, before the CSRF check (preValidation): someone whose session
  // ended is asked to sign in again rather than told their form expired.
  app.addHook('onRequest', app.requireSession);

  /** Title and sidebar partials after a reply ended; nothing if the agent cannot say right now (the bubble matters more). */
  async function refreshAfterReply(request: FastifyRequest, userId: string, conversationId: string, renameCsrfToken?: string): Promise<Html> {
    try {
      // The usage comes along so "$X left this month" follows each finished reply.
      const [{ conversations }, usage] = await Promise.all([app.agent.conversations.list(userId), app.agent.usage.get(userId)]);
      return conversationRefresh(conversations, conversationId, renameCsrfToken, usage);
    } catch (error) {
      request.log.warn({ err: error }, 'could not refresh the conversation list after a reply');
      return html``;
    }
  }

  app.get('/', async (request, reply) => {
    const { user } = request.signedIn;
    const { conversations } = await app.agent.conversations.list(user.id);
    const listTopic = conversationListTopic(app.config.publicUrl, user.id);
    return reply.page('Your chats', conversationListPage(conversations, await reply.csrfToken(), listTopic));
  });

  // The list page's live connection asks for this when the person's chats changed on another
  // tab or device; like /c/:id/sidebar it renews the hub cookie a long-open page reconnects with.
  app.get(LIST_REFRESH_PATH, async (request, reply) => {
    const current = request.signedIn;
    await reply.issueHubCookie(current);
    const { conversations } = await app.agent.conversations.list(current.user.id);
    return reply.fragment(conversationListRefresh(conversations));
  });

  // Old pages and bookmarks post "New chat" here; it used to store an empty conversation.
  // A chat now begins with its first message, so this only opens the empty composer.
  app.post('/c', { schema: { body: TokenOnlyForm } }, async (_request, reply) => reply.redirect(conversationPath(NEW_CHAT_ID), 303));

  /** The chat page; after a refused plain form post, with the form as the person left it. */
  async function chatPage(request: FastifyRequest, reply: FastifyReply, conversationId: string, composerState?: ComposerState, status = 200) {
    const { user } = request.signedIn;
    const [detail, list, models, usage] = await Promise.all([
      app.agent.conversations.get(user.id, conversationId),
      app.agent.conversations.list(user.id),
      app.agent.models.list(user.id),
      app.agent.usage.get(user.id),
    ]);
    const body = conversationPage({
      detail,
      models,
      conversations: list.conversations,
      usage,
      topic: conversationTopic(app.config.publicUrl, user.id, detail.conversation.id),
      listTopic: conversationListTopic(app.config.publicUrl, user.id),
      csrfToken: await reply.csrfToken(),
      ...(composerState ? { composerState } : {}),
    });
    return reply.page(detail.conversation.title || 'New chat', body, { pageClass: 'page-chat', status });
  }

  app.get('/c/:conversationId', { schema: { params: ConversationParams } }, async (request, reply) =>
    chatPage(request, reply, request.params.conversationId));

  app.post(
    '/c/:conversationId/messages',
    { config: { multipartForm: true }, schema: { params: ConversationParams, body: SendMessageForm } },
    async (request, reply) => {
      const current = request.signedIn;
      const { user } = current;
      const { conversationId } = request.params;
      const csrfToken = await reply.csrfToken();
      const submission = await readSubmission(app, user.id, request.body);
      /** Beside the form (htmx), or the page again with everything the person gave (no script). */
      const formAgain = async (error: string | undefined, status = 400, retryAfterSeconds?: number) => {
        if (retryAfterSeconds !== undefined) reply.header('retry-after', String(retryAfterSeconds));
        if (isHtmxRequest(request)) return reply.fragment(html`<p class="error">${error ?? ''}</p>`, status);
        const pending = await pendingAttachments(app, user.id, submission.attachmentIds);
        return chatPage(request, reply, conversationId, { text: submission.text, pending, choices: submission.choices, ...(submission.sendKey ? { sendKey: submission.sendKey } : {}), ...(error ? { error } : {}) }, status);
      };
      const refusal = refusalOf(submission);
      if (refusal !== undefined || submission.removed) return formAgain(refusal, refusal === undefined ? 200 : 400);
      if (await app.sendLimits.refuseWhenTooFast(request, reply, conversationPath(conversationId))) return reply;
      const { choices } = submission;
      let sent;
      try {
        sent = await app.agent.messages.send(user.id, conversationId, submission.text, withAttachments(submission), submission.idempotencyKey);
      } catch (error) {
        // Busy: the agent's Retry-After passes through, beside the form as the person left it (htmx and plain post alike).
        const later = sendAgainLater(error, submission);
        if (later) return formAgain(later.message, 503, later.retryAfterSeconds);
        // htmx keeps the form (and its chips) on the page; a plain post shows it again.
        if (isHtmxRequest(request) || !(error instanceof AgentRequestError) || error.statusCode === 404) throw error;
        return formAgain(error.message, error.statusCode);
      }
      if (!isHtmxRequest(request)) return reply.redirect(conversationPath(conversationId), 303);
      const models = await app.agent.models.list(user.id);

      // The new bubble subscribes at once: make sure it holds a fresh hub token.
      await reply.issueHubCookie(current);
      const context = { topic: sent.topic, csrfToken };
      // Both bubbles go to the end of the list; the form comes back empty
      // (an <hx-partial>), which also clears any earlier error beside it.
      // The sidebar, the title and what is left of the budget are not sent
      // here: the send's `changed` event brings them to every open page of
      // the person, this one included (app.js asks /c/:id/sidebar), and
      // answering them twice was two more calls to the agent per message.
      return reply.fragment(html`${messageBubble(sent.userMessage, context)}
${messageBubble(sent.assistantMessage, context)}
<hx-partial hx-target="#composer" hx-swap="outerHTML">${composer({ conversationId, csrfToken, autofocus: true, models, choices })}</hx-partial>`,
      );
    },
  );

  app.post(
    '/c/:conversationId/rename',
    { schema: { params: ConversationParams, body: RenameForm } },
    async (request, reply) => {
      const { user } = request.signedIn;
      const { conversationId } = request.params;
      const title = request.body.title.trim();
      if (title === '') return reply.fragment(html`<p class="error">Write a title before renaming.</p>`, 400);
      if (title.length > LIMITS.titleMax) {
        return reply.fragment(html`<p class="error">The title can be at most ${LIMITS.titleMax} characters.</p>`, 400);
      }
      const { conversation } = await app.agent.conversations.rename(user.id, conversationId, title);
      if (!isHtmxRequest(request)) return reply.redirect(conversationPath(conversationId), 303);
      // The form comes back with the new title; the heading, the window title
      // and the sidebar follow through the same partials a finished reply uses.
      const form = renameForm({ conversationId, csrfToken: await reply.csrfToken(), title: conversation.title });
      return reply.fragment(html`${form}${await refreshAfterReply(request, user.id, conversationId)}`);
    },
  );

  // The page's live connection asks for this when another tab or device renamed the chat
  // or changed the list; it also renews the hub cookie a long-open page reconnects with.
  app.get('/c/:conversationId/sidebar', { schema: { params: ConversationParams } }, async (request, reply) => {
    const current = request.signedIn;
    await reply.issueHubCookie(current);
    return reply.fragment(await refreshAfterReply(request, current.user.id, request.params.conversationId, await reply.csrfToken()));
  });

  app.get('/c/:conversationId/delete', { schema: { params: ConversationParams } }, async (request, reply) => {
    const { user } = request.signedIn;
    const { conversation } = await app.agent.conversations.get(user.id, request.params.conversationId);
    return reply.page('Delete chat', deleteConfirmPage(conversation, await reply.csrfToken()));
  });

  app.post(
    '/c/:conversationId/delete',
    { schema: { params: ConversationParams, body: TokenOnlyForm } },
    async (request, reply) => {
      const { user } = request.signedIn;
      await app.agent.conversations.delete(user.id, request.params.conversationId);
      // htmx would follow a redirect inside fetch and swap the list into the page.
      if (isHtmxRequest(request)) return reply.header('hx-redirect', '/').fragment(html``);
      return reply.redirect('/', 303);
    },
  );

  app.get('/c/:conversationId/m/:messageId', { schema: { params: MessageParams } }, async (request, reply) => {
    const { user } = request.signedIn;
    const { conversationId, messageId } = request.params;
    const { message } = await app.agent.messages.get(user.id, conversationId, messageId);
    const topic = conversationTopic(app.config.publicUrl, user.id, conversationId);
    const bubble = messageBubble(message, { topic, csrfToken: await reply.csrfToken() });
    if (isHtmxRequest(request)) {
      // The page asks for the bubble when its reply ended (or when its live connection came back,
      // when it also asks for the list): the `changed` event that follows every `done` refreshes
      // the sidebar and the budget (app.js), so they are not answered a second time here.
      const note = message.context ? html`<hx-partial hx-target="#context-note" hx-swap="outerHTML">${contextNote([message])}</hx-partial>` : html``;
      return reply.fragment(html`${bubble}${note}`);
    }
    // Someone opened the message's address directly: show it in its conversation.
    return reply.redirect(`${conversationPath(conversationId)}#message-${encodeURIComponent(messageId)}`, 303);
  });

  app.post(
    '/c/:conversationId/m/:messageId/stop',
    { schema: { params: MessageParams, body: TokenOnlyForm } },
    async (request, reply) => {
      const { user } = request.signedIn;
      const { conversationId, messageId } = request.params;
      let message;
      try {
        ({ message } = await app.agent.messages.stop(user.id, conversationId, messageId));
      } catch (error) {
        // The reply finished between the click and the request: show it as it is.
        if (!(error instanceof AgentRequestError) || error.code !== 'not_streaming') throw error;
        ({ message } = await app.agent.messages.get(user.id, conversationId, messageId));
      }
      if (!isHtmxRequest(request)) return reply.redirect(conversationPath(conversationId), 303);
      const topic = conversationTopic(app.config.publicUrl, user.id, conversationId);
      const bubble = messageBubble(message, { topic, csrfToken: await reply.csrfToken() });
      return reply.fragment(html`${bubble}${await refreshAfterReply(request, user.id, conversationId, await reply.csrfToken())}`);
    },
  );
};

export default conversationRoutes;
