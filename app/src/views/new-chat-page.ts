/**
 * "New chat": an empty composer and nothing stored. The conversation is
 * created by its first message (POST /c/new/messages), which then opens it.
 */
import type { Conversation, ModelListResponse } from '@homeagent/contract';
import { html, type Html } from './html.js';
import { searchForm } from './search-pages.js';
import { composer, conversationLinks, newChatForm, NEW_CHAT_ID, type ComposerState } from './conversation-pages.js';

export function newChatPage(conversations: Conversation[], csrfToken: string, models?: ModelListResponse, composerState?: ComposerState): Html {
  return html`<div class="chat-layout">
  <nav class="sidebar" aria-label="Chats">
    ${newChatForm(csrfToken)}
    ${searchForm()}
    <div id="conversation-nav">${conversationLinks(conversations)}</div>
  </nav>
  <main class="chat">
    <div class="chat-head">
      <a href="/" class="back">← All chats</a>
      <h1 id="chat-title">New chat</h1>
      <div id="chat-actions-slot"></div>
    </div>
    <section id="messages" class="messages" aria-label="Conversation">
      <p class="empty hint-start">Say hello: Claude answers right here.</p>
    </section>
    ${composer({ conversationId: NEW_CHAT_ID, csrfToken, autofocus: true, models, ...composerState })}
    <div id="live-slot"></div>
  </main>
</div>`;
}
