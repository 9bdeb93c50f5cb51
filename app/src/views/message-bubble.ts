/**
 * One message as a bubble. A finished assistant reply is rendered Markdown;
 * a reply that is still streaming shows the text so far as the stream had
 * it at that point: its finished blocks rendered, the block being written as
 * plain text, and `data-seq`, the sequence of the last update that text
 * contains. The page's one live connection (live-connection.ts) feeds it
 * `delta` events after that sequence (app.js), so nothing is lost or
 * doubled; on `done` the page fetches the finished bubble, whose HTML is
 * what the last delta left, so the swap changes nothing a reader sees.
 * No aria-live on the growing text: the page announces the end once.
 */
import type { Message } from '@homeagent/contract';
import { renderMarkdown, renderStreaming } from '../markdown-renderer.js';
import { html, type Html } from './html.js';
import { csrfField } from './layout.js';
import { usd } from './money-amount.js';

export function messagePath(conversationId: string, messageId: string): string {
  return `/c/${encodeURIComponent(conversationId)}/m/${encodeURIComponent(messageId)}`;
}

export function messageElementId(messageId: string): string {
  return `message-${messageId}`;
}

/** The sequence part of an update id `<messageId>:<sequence>` (0 when there is none). */
export function sequenceOf(updateId: string | undefined): number {
  const sequence = Number(updateId?.split(':').at(-1));
  return Number.isInteger(sequence) ? sequence : 0;
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

/** Claude's reasoning, collapsed above the reply; plain text (escaped), opened by the person. */
function thinkingSection(text: string | undefined, streaming: boolean): Html {
  if (!streaming && !text) return html``;
  // While streaming it stays hidden until the first thought arrives (app.js shows it).
  return html`<details class="thinking"${streaming && !text ? html` hidden` : ''}>
  <summary>Thinking…</summary>
  <div class="thinking-text plain">${text ?? ''}</div>
</details>`;
}

/**
 * A message Bedrock refused for good leaves what Claude sees (issue 14 item 3):
 * the person can edit it and send it again, in the same chat.
 */
function editAndResend(message: Message, context: BubbleContext): Html {
  if (message.state !== 'error' || !message.errorFinal || context.askedText === undefined) return html``;
  const action = `/c/${encodeURIComponent(message.conversationId)}/messages`;
  return html`<details class="resend">
  <summary>Edit and resend</summary>
  <form method="post" action="${action}" hx-post="${action}" hx-target="#messages" hx-swap="beforeend show:bottom"
    hx-status:4xx="target:#composer-error swap:innerHTML" hx-status:5xx="target:#composer-error swap:innerHTML" hx-disable="find button">
    ${csrfField(context.csrfToken)}
    <label for="resend-${message.id}">Edited text</label>
    <textarea id="resend-${message.id}" name="text" rows="3" required>${context.askedText}</textarea>
    <button type="submit" class="button-primary">Resend</button>
  </form>
</details>`;
}

function finishedAssistantBubble(message: Message, context: BubbleContext): Html {
  const note = STATE_NOTES[message.state];
  return html`<article class="bubble bubble-assistant" id="${messageElementId(message.id)}" data-state="${message.state}">
  <h2 class="visually-hidden">Claude replied</h2>
  ${thinkingSection(message.thinking, false)}
  <div class="bubble-text markdown">${renderMarkdown(message.text)}</div>
  ${message.state === 'error'
    ? html`<p class="bubble-note bubble-error" role="alert">${message.error ?? 'The reply failed. Please try again.'}</p>`
    : ''}
  ${editAndResend(message, context)}
  ${note ? html`<p class="bubble-note">${note}</p>` : ''}
  ${message.cutShortByBudget ? html`<p class="bubble-note budget-cut">Cut short: this reply was kept shorter so that it fits what is left of your monthly budget.</p>` : ''}
  ${replyFacts(message)}
</article>`;
}

/** Which model answered and what it cost, in tokens and in dollars: what budgets are counted in. */
function replyFacts(message: Message): Html {
  if (!message.model && !message.usage) return html``;
  const parts: Html[] = [];
  if (message.model) parts.push(html`<span class="reply-model" title="${message.model}">${message.modelName ?? message.model}</span>`);
  if (message.usage) {
    parts.push(
      html`<span class="reply-tokens"><span class="input-tokens">${message.usage.inputTokens}</span> tokens in, <span class="output-tokens">${message.usage.outputTokens}</span> out</span>`,
    );
    parts.push(html`<span class="reply-cost">${usd(message.usage.costUsd)}</span>`);
  }
  return html`<p class="bubble-facts">${parts.map((part, i) => (i === 0 ? part : html` · ${part}`))}</p>`;
}

function streamingAssistantBubble(message: Message, csrfToken: string): Html {
  const path = messagePath(message.conversationId, message.id);
  const { blocks, tail } = renderStreaming(message.text);
  return html`<article class="bubble bubble-assistant streaming" id="${messageElementId(message.id)}" data-state="streaming"
    data-path="${path}" data-seq="${sequenceOf(message.lastEventId)}">
  <h2 class="visually-hidden">Claude is replying</h2>
  ${thinkingSection(message.thinking, true)}
  <div class="bubble-text markdown stream" aria-busy="true"><div class="blocks">${blocks}</div><div class="tail plain">${tail}</div></div>
  <form class="stop" method="post" action="${path}/stop" hx-post="${path}/stop" hx-target="closest article" hx-swap="outerHTML">
    ${csrfField(csrfToken)}
    <span class="typing" aria-hidden="true"><span></span><span></span><span></span></span>
    <button type="submit" class="button-quiet">Stop</button>
  </form>
</article>`;
}

export interface BubbleContext {
  /** kept for callers; the page's live connection subscribes, not the bubble */
  topic?: string;
  csrfToken: string;
  /** the user's text this reply answered, for "Edit and resend" */
  askedText?: string;
}

export function messageBubble(message: Message, context: BubbleContext): Html {
  if (message.role === 'user') return userBubble(message);
  if (message.state === 'streaming') return streamingAssistantBubble(message, context.csrfToken);
  return finishedAssistantBubble(message, context);
}
