/**
 * One message as a bubble. A finished assistant reply is rendered Markdown;
 * a reply that is still streaming shows the text so far (escaped, as plain
 * text) and subscribes to the hub from the id of the last update that text
 * contains, so nothing is lost or doubled. When the `done` event arrives,
 * the stream closes and the bubble fetches its final rendering from the app.
 */
import type { Message } from '@homeagent/contract';
import { renderMarkdown } from '../markdown-renderer.js';
import { html, type Html } from './html.js';
import { csrfField } from './layout.js';
import { usd } from './money-amount.js';

export function messagePath(conversationId: string, messageId: string): string {
  return `/c/${encodeURIComponent(conversationId)}/m/${encodeURIComponent(messageId)}`;
}

export function messageElementId(messageId: string): string {
  return `message-${messageId}`;
}

/** Same-origin hub URL: the edge (ALB locally) routes `/.well-known/mercure` to the hub. */
export function subscribeUrl(topic: string, lastEventId: string | undefined): string {
  const query = new URLSearchParams({ topic });
  if (lastEventId) query.set('lastEventID', lastEventId);
  return `/.well-known/mercure?${query.toString()}`;
}

const STATE_NOTES: Partial<Record<Message['state'], string>> = {
  stopped: 'Stopped before the end.',
};

function userBubble(message: Message): Html {
  return html`<article class="bubble bubble-user" id="${messageElementId(message.id)}" data-state="${message.state}">
  <h2 class="visually-hidden">You said</h2>
  <div class="bubble-text plain">${message.text}</div>
</article>`;
}

function finishedAssistantBubble(message: Message): Html {
  const note = STATE_NOTES[message.state];
  return html`<article class="bubble bubble-assistant" id="${messageElementId(message.id)}" data-state="${message.state}">
  <h2 class="visually-hidden">Claude replied</h2>
  <div class="bubble-text markdown">${renderMarkdown(message.text)}</div>
  ${message.state === 'error'
    ? html`<p class="bubble-note bubble-error" role="alert">${message.error ?? 'The reply failed. Please try again.'}</p>`
    : ''}
  ${note ? html`<p class="bubble-note">${note}</p>` : ''}
  ${message.cutShortByBudget ? html`<p class="bubble-note budget-cut">Cut short: this reply was kept shorter so that it fits what is left of your monthly budget.</p>` : ''}
  ${replyFacts(message)}
</article>`;
}

/** Which model answered and what it cost, in tokens and in dollars: what budgets are counted in. */
function replyFacts(message: Message): Html {
  if (!message.model && !message.usage) return html``;
  const parts: Html[] = [];
  if (message.model) parts.push(html`<span class="reply-model">${message.model}</span>`);
  if (message.usage) {
    parts.push(
      html`<span class="reply-tokens"><span class="input-tokens">${message.usage.inputTokens}</span> tokens in, <span class="output-tokens">${message.usage.outputTokens}</span> out</span>`,
    );
    parts.push(html`<span class="reply-cost">${usd(message.usage.costUsd)}</span>`);
  }
  return html`<p class="bubble-facts">${parts.map((part, i) => (i === 0 ? part : html` · ${part}`))}</p>`;
}

function streamingAssistantBubble(message: Message, topic: string, csrfToken: string): Html {
  const path = messagePath(message.conversationId, message.id);
  // The outer article re-renders itself on `done` (bubbling up from the
  // inner stream); the inner element owns the SSE connection, because
  // hx-sse:connect reads the same element's hx-trigger as its own start trigger.
  return html`<article class="bubble bubble-assistant streaming" id="${messageElementId(message.id)}" data-state="streaming"
    hx-get="${path}" hx-trigger="done" hx-swap="outerHTML" hx-target="this">
  <h2 class="visually-hidden">Claude is replying</h2>
  <div class="bubble-text plain stream" aria-live="polite"
    hx-sse:connect="${subscribeUrl(topic, message.lastEventId)}" hx-swap="beforeend" hx-sse:close="done">${message.text}</div>
  <form class="stop" method="post" action="${path}/stop" hx-post="${path}/stop" hx-target="closest article" hx-swap="outerHTML">
    ${csrfField(csrfToken)}
    <span class="typing" aria-hidden="true"><span></span><span></span><span></span></span>
    <button type="submit" class="button-quiet">Stop</button>
  </form>
</article>`;
}

export interface BubbleContext {
  topic: string;
  csrfToken: string;
}

export function messageBubble(message: Message, context: BubbleContext): Html {
  if (message.role === 'user') return userBubble(message);
  if (message.state === 'streaming') return streamingAssistantBubble(message, context.topic, context.csrfToken);
  return finishedAssistantBubble(message);
}
