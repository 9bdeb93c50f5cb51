/**
 * The conversation list and the conversation page. The message form posts
 * with htmx and gets back both new bubbles (appended to the list) plus a
 * fresh, empty form as an `<hx-partial>`; errors go next to the form.
 * Without JavaScript the same form posts normally and is redirected back.
 */
import { LIMITS, type Conversation, type ConversationDetailResponse, type UsageResponse } from '@homeagent/contract';
import { html, type Html } from './html.js';
import { csrfField } from './layout.js';
import { messageBubble } from './message-bubble.js';
import { timeStamp } from './time-stamp.js';
import { usd } from './money-amount.js';

export function conversationPath(conversationId: string): string {
  return `/c/${encodeURIComponent(conversationId)}`;
}

function newChatForm(csrfToken: string): Html {
  return html`<form method="post" action="/c" class="new-chat">
  ${csrfField(csrfToken)}
  <button type="submit" class="button-primary">New chat</button>
</form>`;
}

function conversationLinks(conversations: Conversation[], currentId?: string): Html {
  if (conversations.length === 0) return html`<p class="empty">No chats yet.</p>`;
  return html`<ul class="conversation-list">
  ${conversations.map(
    (c) => html`<li><a href="${conversationPath(c.id)}" ${c.id === currentId ? html`aria-current="page"` : ''}>
      <span class="conversation-title">${c.title || 'New chat'}</span>${timeStamp(c.updatedAt)}</a></li>`,
  )}
</ul>`;
}

/** Conversations newest first (the agent already sorts; sorting again keeps the promise here). */
function newestFirst(conversations: Conversation[]): Conversation[] {
  return [...conversations].sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0));
}

export function conversationListPage(conversations: Conversation[], csrfToken: string): Html {
  return html`<main class="narrow">
  <div class="list-head">
    <h1>Your chats</h1>
    ${newChatForm(csrfToken)}
  </div>
  ${conversationLinks(newestFirst(conversations))}
</main>`;
}

export interface ComposerOptions {
  conversationId: string;
  csrfToken: string;
  text?: string;
  error?: string;
  autofocus?: boolean;
}

export function composer({ conversationId, csrfToken, text, error, autofocus }: ComposerOptions): Html {
  const action = `${conversationPath(conversationId)}/messages`;
  return html`<form id="composer" class="composer" method="post" action="${action}"
    hx-post="${action}" hx-target="#messages" hx-swap="beforeend show:bottom"
    hx-status:4xx="target:#composer-error swap:innerHTML" hx-status:5xx="target:#composer-error swap:innerHTML"
    hx-disable="find button">
  ${csrfField(csrfToken)}
  <div id="composer-error" class="composer-error" role="alert">${error ? html`<p class="error">${error}</p>` : ''}</div>
  <label for="message" class="visually-hidden">Message</label>
  <div class="composer-row">
    <textarea id="message" name="text" rows="2" required maxlength="${LIMITS.messageMax}"
      placeholder="Message Claude…" aria-describedby="composer-hint" ${autofocus ? html`autofocus` : ''}>${text ?? ''}</textarea>
    <button type="submit" class="button-primary">Send</button>
  </div>
  <p id="composer-hint" class="composer-hint">Enter sends · Shift+Enter starts a new line</p>
</form>`;
}

export interface RenameFormOptions {
  conversationId: string;
  csrfToken: string;
  title: string;
  error?: string;
}

/** Answers itself with htmx (a fresh form plus the title and sidebar partials); posts normally without. */
export function renameForm({ conversationId, csrfToken, title, error }: RenameFormOptions): Html {
  const action = `${conversationPath(conversationId)}/rename`;
  return html`<form id="rename-form" class="rename-form" method="post" action="${action}"
    hx-post="${action}" hx-target="#rename-form" hx-swap="outerHTML"
    hx-status:4xx="target:#rename-error swap:innerHTML" hx-status:5xx="target:#rename-error swap:innerHTML"
    hx-disable="find button">
  ${csrfField(csrfToken)}
  <label for="rename-title">Title</label>
  <input id="rename-title" name="title" type="text" required maxlength="${LIMITS.titleMax}" value="${title}"
    aria-describedby="rename-error">
  <button type="submit">Rename</button>
  <div id="rename-error" class="rename-error" role="alert">${error ? html`<p class="error">${error}</p>` : ''}</div>
</form>`;
}

/** What sits beside the heading: rename, and the way to the delete confirmation. */
function chatActions(conversation: Conversation, csrfToken: string): Html {
  return html`<details class="chat-actions">
  <summary>Manage chat</summary>
  ${renameForm({ conversationId: conversation.id, csrfToken, title: conversation.title || 'New chat' })}
  <a class="button-danger" href="${conversationPath(conversation.id)}/delete">Delete chat</a>
</details>`;
}

/**
 * The confirmation step before a delete: a page of its own, so it needs no
 * script (a `confirm()` dialog would) and works the same with and without htmx.
 */
export function deleteConfirmPage(conversation: Conversation, csrfToken: string): Html {
  const path = conversationPath(conversation.id);
  return html`<main class="narrow">
  <h1>Delete this chat?</h1>
  <p>“${conversation.title || 'New chat'}” and all of its messages will be deleted. This cannot be undone.</p>
  <form method="post" action="${path}/delete" class="confirm-actions">
    ${csrfField(csrfToken)}
    <button type="submit" class="button-danger">Delete chat</button>
    <a href="${path}">Cancel</a>
  </form>
</main>`;
}

export interface ConversationPageOptions {
  detail: ConversationDetailResponse;
  conversations: Conversation[];
  topic: string;
  csrfToken: string;
  /** the person's month, for "$X left this month" (left out when the agent could not say) */
  usage?: UsageResponse;
}

/** "$X left this month": what the budget still allows (replies in progress hold part of it). */
export function budgetLeft(usage: UsageResponse | undefined): Html {
  if (!usage) return html`<p id="budget-left" class="budget-left"></p>`;
  const left = Math.max(0, usage.budgetUsd - usage.committedUsd);
  return html`<p id="budget-left" class="budget-left"><a href="/usage">${usd(left)} left this month</a></p>`;
}

export function conversationPage({ detail, conversations, topic, csrfToken, usage }: ConversationPageOptions): Html {
  const { conversation, messages } = detail;
  return html`<div class="chat-layout">
  <nav class="sidebar" aria-label="Chats">
    ${newChatForm(csrfToken)}
    <div id="conversation-nav">${conversationLinks(newestFirst(conversations), conversation.id)}</div>
  </nav>
  <main class="chat">
    <div class="chat-head">
      <a href="/" class="back">← All chats</a>
      <h1 id="chat-title">${conversation.title || 'New chat'}</h1>
      ${budgetLeft(usage)}
      ${chatActions(conversation, csrfToken)}
    </div>
    <section id="messages" class="messages" aria-label="Conversation">
      ${messages.length === 0 ? html`<p class="empty hint-start">Say hello: Claude answers right here.</p>` : ''}
      ${messages.map((m) => messageBubble(m, { topic, csrfToken }))}
    </section>
    ${composer({ conversationId: conversation.id, csrfToken, autofocus: true })}
  </main>
</div>`;
}

/**
 * After a reply ends the agent may have renamed the conversation (from its
 * first message) and moved it to the top: partials that bring the title,
 * the page title and the sidebar up to date alongside the finished bubble.
 */
export function conversationRefresh(conversations: Conversation[], currentId: string, renameCsrfToken?: string, usage?: UsageResponse): Html {
  const current = conversations.find((c) => c.id === currentId);
  if (!current) return html``;
  const title = current.title || 'New chat';
  // The Rename field follows too (when asked), so it never offers the old name.
  const rename = renameCsrfToken
    ? html`<hx-partial hx-target="#rename-form" hx-swap="outerHTML">${renameForm({ conversationId: currentId, csrfToken: renameCsrfToken, title })}</hx-partial>`
    : html``;
  return html`<title>${title} · HomeAgent</title>${rename}
<hx-partial hx-target="#chat-title" hx-swap="textContent">${title}</hx-partial>
<hx-partial hx-target="#conversation-nav" hx-swap="innerHTML">${conversationLinks(newestFirst(conversations), currentId)}</hx-partial>${
    usage ? html`
<hx-partial hx-target="#budget-left" hx-swap="outerHTML">${budgetLeft(usage)}</hx-partial>` : ''}`;
}
