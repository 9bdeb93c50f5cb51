/**
 * The conversation list and the conversation page. The message form posts
 * with htmx and gets back both new bubbles (appended to the list) plus a
 * fresh, empty form as an `<hx-partial>`; errors go next to the form.
 * Without JavaScript the same form posts normally and is redirected back.
 */
import { LIMITS, type Attachment, type Conversation, type ConversationDetailResponse, type ModelListResponse, type TemperatureChoice, type ThinkingChoice, type UsageResponse } from '@homeagent/contract';
import { randomBytes } from 'node:crypto';
import { html, type Html } from './html.js';
import { csrfField } from './layout.js';
import { listLiveConnection, liveConnection } from './live-connection.js';
import { messageBubble } from './message-bubble.js';
import { searchForm } from './search-pages.js';
import { chatExportLinks } from './conversation-export-links.js';
import { timeStamp } from './time-stamp.js';
import { usd } from './money-amount.js';
import { attachPicker } from './attachment-views.js';

export function conversationPath(conversationId: string): string {
  return `/c/${encodeURIComponent(conversationId)}`;
}

/** The path segment of the chat that does not exist yet ("New chat": nothing is stored until the first message). */
export const NEW_CHAT_ID = 'new';

/** Posts to /c/new, which stores nothing and opens the empty composer (a GET form would leave a bare "?" in the address). */
export function newChatForm(csrfToken: string): Html {
  return html`<form method="post" action="${conversationPath(NEW_CHAT_ID)}" class="new-chat">
  ${csrfField(csrfToken)}
  <button type="submit" class="button-primary">New chat</button>
</form>`;
}

export function conversationLinks(conversations: Conversation[], currentId?: string): Html {
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

/** The list page's chats, in the element its live connection refreshes. */
export function conversationListMain(conversations: Conversation[]): Html {
  return html`<div id="chat-list">${conversationLinks(newestFirst(conversations))}</div>`;
}

/** The answer to the list page's refresh: the list again, swapped in place of the old one. */
export function conversationListRefresh(conversations: Conversation[]): Html {
  return html`<hx-partial hx-target="#chat-list" hx-swap="outerHTML">${conversationListMain(conversations)}</hx-partial>`;
}

export function conversationListPage(conversations: Conversation[], csrfToken: string, listTopic: string): Html {
  return html`<main class="narrow">
  <div class="list-head">
    <h1>Your chats</h1>
    ${newChatForm(csrfToken)}
  </div>
  ${searchForm()}
  ${conversationListMain(conversations)}
  ${listLiveConnection(listTopic)}
</main>`;
}

export interface ComposerOptions {
  conversationId: string;
  csrfToken: string;
  text?: string;
  error?: string;
  autofocus?: boolean;
  /** the models a person may pick; no picker without them */
  models?: ModelListResponse;
  /** what the conversation remembers */
  choices?: Pick<Conversation, 'model' | 'temperature' | 'thinking'>;
  /** uploads waiting to be sent with the message (a form shown again after a refusal) */
  pending?: Attachment[];
  /** the key of this composer's send (message-submission.ts): kept when the form is shown again, new otherwise */
  sendKey?: string;
}

const TEMPERATURE_WORDS: Record<TemperatureChoice, string> = { default: "Model's default", precise: 'Precise', balanced: 'Balanced', creative: 'Creative' };
const THINKING_WORDS: Record<ThinkingChoice, string> = { off: 'Off', normal: 'Normal', deep: 'Deep' };

/** Model, temperature and thinking for this chat: plain selects, sent with each message and remembered. */
function chatChoices(models: ModelListResponse, choices: ComposerOptions['choices'] = {}): Html {
  const picked = models.models.find((m) => m.modelId === choices.model) ?? models.models.find((m) => m.modelId === models.defaultModel) ?? models.models[0];
  return html`<div class="chat-choices">
    <label for="chat-model">Model</label>
    <select id="chat-model" name="model">
      ${models.models.map((m) => html`<option value="${m.modelId}" ${m.modelId === picked?.modelId ? html`selected` : ''}>${m.displayName}${m.description ? ` — ${m.description}` : ''}</option>`)}
    </select>
    <label for="chat-temperature">Style</label>
    <select id="chat-temperature" name="temperature" aria-describedby="chat-choices-hint">
      ${(Object.keys(TEMPERATURE_WORDS) as TemperatureChoice[]).map((c) => html`<option value="${c}" ${c === (choices.temperature ?? 'default') ? html`selected` : ''}>${TEMPERATURE_WORDS[c]}</option>`)}
    </select>
    <label for="chat-thinking">Thinking</label>
    <select id="chat-thinking" name="thinking" aria-describedby="chat-choices-hint">
      ${(Object.keys(THINKING_WORDS) as ThinkingChoice[]).map((c) => html`<option value="${c}" ${c === (choices.thinking ?? 'off') ? html`selected` : ''}>${THINKING_WORDS[c]}</option>`)}
    </select>
    <p id="chat-choices-hint" class="composer-hint">Style is ignored by models that choose their own, and while Claude thinks; some models always think a little.</p>
  </div>`;
}

export function composer({ conversationId, csrfToken, text, error, autofocus, models, choices, pending, sendKey }: ComposerOptions): Html {
  const action = `${conversationPath(conversationId)}/messages`;
  // Multipart so the picker's files post with the form when there is no script; with it
  // (htmx), files are uploaded one by one beforehand and the form sends only their ids.
  return html`<form id="composer" class="composer" method="post" action="${action}" enctype="multipart/form-data"
    hx-post="${action}" hx-encoding="application/x-www-form-urlencoded" hx-target="#messages" hx-swap="beforeend show:bottom"
    hx-status:4xx="target:#composer-error swap:innerHTML" hx-status:5xx="target:#composer-error swap:innerHTML"
    hx-disable="find button">
  ${csrfField(csrfToken)}
  <input type="hidden" name="sendKey" value="${sendKey ?? randomBytes(16).toString('base64url')}">
  <div id="composer-error" class="composer-error" role="alert">${error ? html`<p class="error">${error}</p>` : ''}</div>
  ${models && models.models.length > 0 ? chatChoices(models, choices) : ''}
  <label for="message" class="visually-hidden">Message</label>
  <div class="composer-row">
    <textarea id="message" name="text" rows="2" required maxlength="${LIMITS.messageMax}"
      placeholder="Message Claude…" aria-describedby="composer-hint" ${autofocus ? html`autofocus` : ''}>${text ?? ''}</textarea>
    <button type="submit" class="button-primary">Send</button>
  </div>
  ${attachPicker(pending)}
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
export function chatActions(conversation: Conversation, csrfToken: string): Html {
  return html`<details class="chat-actions">
  <summary>Manage chat</summary>
  ${renameForm({ conversationId: conversation.id, csrfToken, title: conversation.title || 'New chat' })}
  ${chatExportLinks(conversation.id)}
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
  /** the person's list topic: the sidebar follows other devices */
  listTopic: string;
  csrfToken: string;
  models?: ModelListResponse;
  /** the person's month, for "$X left this month" (left out when the agent could not say) */
  usage?: UsageResponse;
  /** a plain form post refused: what the person wrote and attached, and why */
  composerState?: ComposerState;
}

/** A composer shown again after a refusal: nothing the person gave is lost. */
export type ComposerState = Pick<ComposerOptions, 'text' | 'error' | 'pending' | 'choices' | 'sendKey'>;

/** One quiet line when Claude no longer sees the whole chat (from the newest reply's context). */
export function contextNote(messages: ConversationDetailResponse['messages']): Html {
  const newest = [...messages].reverse().find((m) => m.role === 'assistant' && m.context);
  if (!newest?.context || newest.context.leftOut === 0) return html`<p id="context-note" class="context-note" hidden></p>`;
  return html`<p id="context-note" class="context-note">Claude sees the last ${newest.context.sent + 1} messages of this chat.</p>`;
}

/** "$X left this month": what the budget still allows (replies in progress hold part of it). */
export function budgetLeft(usage: UsageResponse | undefined): Html {
  if (!usage) return html`<p id="budget-left" class="budget-left"></p>`;
  const left = Math.max(0, usage.budgetUsd - usage.committedUsd);
  return html`<p id="budget-left" class="budget-left"><a href="/usage">${usd(left)} left this month</a></p>`;
}

export function conversationPage({ detail, conversations, topic, listTopic, csrfToken, models, usage, composerState }: ConversationPageOptions): Html {
  const { conversation, messages } = detail;
  const streaming = messages.find((m) => m.state === 'streaming');
  return html`<div class="chat-layout">
  <nav class="sidebar" aria-label="Chats">
    ${newChatForm(csrfToken)}
    ${searchForm()}
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
      ${messages.map((m, i) => messageBubble(m, { topic, csrfToken, ...(messages[i - 1]?.role === 'user' ? { askedText: messages[i - 1]!.text } : {}) }))}
    </section>
    ${contextNote(messages)}
    ${composer({ conversationId: conversation.id, csrfToken, autofocus: true, ...(models ? { models } : {}), choices: conversation, ...composerState })}
    ${liveConnection({ conversationPath: conversationPath(conversation.id), topics: [topic, listTopic], lastEventId: streaming?.lastEventId })}
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
