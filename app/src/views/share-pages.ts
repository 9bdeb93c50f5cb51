/**
 * Share links: making one (the link is shown once: only its hash is kept),
 * the list of one's links with Revoke, the read-only shared page (no
 * composer), and the admin's choice of who may open links.
 */
import type { Conversation, Message, SharedLink, SharedSnapshot } from '@homeagent/contract';
import { conversationPath } from './conversation-pages.js';
import { html, type Html } from './html.js';
import { csrfField } from './layout.js';
import { messageBubble } from './message-bubble.js';
import { sharedAttachmentPath } from './attachment-views.js';
import { timeStamp } from './time-stamp.js';

export const SHARES_PATH = '/shares';
export const sharePath = (token: string) => `/share/${encodeURIComponent(token)}`;

export function shareCreatePage(conversation: Conversation, csrfToken: string, error?: string): Html {
  const path = `${conversationPath(conversation.id)}/share`;
  return html`<main class="narrow">
  <p><a href="${conversationPath(conversation.id)}" class="back">← Back to the chat</a></p>
  <h1>Share “${conversation.title || 'New chat'}”</h1>
  <p>A read-only copy of this chat as it is now, behind a link nobody can guess. Messages you send later are not in it. You can revoke the link at any time on <a href="${SHARES_PATH}">Your shared links</a>.</p>
  <p class="hint">Unless an admin allowed public links, only people with an account here can open it.</p>
  ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
  <form method="post" action="${path}">
    ${csrfField(csrfToken)}
    <button type="submit" class="button-primary">Create link</button>
  </form>
</main>`;
}

export function shareCreatedPage(conversation: Conversation, url: string): Html {
  return html`<main class="narrow">
  <p><a href="${conversationPath(conversation.id)}" class="back">← Back to the chat</a></p>
  <h1>Link created</h1>
  <p role="status">Copy the link now: it is shown only this once (HomeAgent keeps only a fingerprint of it).</p>
  <label for="share-link">Shared link</label>
  <input id="share-link" type="text" readonly value="${url}" class="share-link">
  <p><a href="${SHARES_PATH}">Your shared links</a></p>
</main>`;
}

export function shareListPage(shares: SharedLink[], csrfToken: string, notice?: string): Html {
  return html`<main class="narrow">
  <h1>Your shared links</h1>
  ${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
  ${shares.length === 0
    ? html`<p class="empty">You have not shared any chat. “Share a read-only link” is under “Manage chat” in a chat.</p>`
    : html`<table class="shares">
  <thead><tr><th scope="col">Chat</th><th scope="col">Shared</th><th scope="col">Messages</th><th scope="col"><span class="visually-hidden">Revoke</span></th></tr></thead>
  <tbody>
  ${shares.map(
    (s) => html`<tr>
    <td><a href="${conversationPath(s.conversationId)}">${s.title || 'New chat'}</a></td>
    <td>${timeStamp(s.createdAt)}</td>
    <td>${s.messageCount}</td>
    <td><form method="post" action="${SHARES_PATH}/${encodeURIComponent(s.id)}/revoke">${csrfField(csrfToken)}<button type="submit" class="button-danger" aria-label="Revoke the link to ${s.title}">Revoke</button></form></td>
  </tr>`,
  )}
  </tbody>
</table>`}
</main>`;
}

/** The snapshot, read-only: the bubbles as the chat shows them, no composer and no actions. */
export function sharedSnapshotPage(snapshot: SharedSnapshot, token: string): Html {
  // A snapshot's message carries `attachments` as a Message does (they are read through the link).
  const bubbles = snapshot.messages.map((m) =>
    messageBubble({ ...m, conversationId: '', state: m.state as Message['state'] }, { topic: '', csrfToken: '', attachmentPath: sharedAttachmentPath(token) }),
  );
  return html`<main class="chat shared-chat">
  <div class="chat-head">
    <h1 id="chat-title">${snapshot.title || 'Shared chat'}</h1>
    <p class="shared-by">Shared by ${snapshot.sharedBy} · ${timeStamp(snapshot.sharedAt)} · a read-only copy</p>
  </div>
  <section id="messages" class="messages" aria-label="Conversation">${bubbles}</section>
</main>`;
}

export function shareRefusedPage(signInNeeded: boolean, message: string): Html {
  return html`<main class="narrow">
  <h1>${signInNeeded ? 'Sign in to see this chat' : 'This link does not work'}</h1>
  <p class="error" role="alert">${message}</p>
  ${signInNeeded ? html`<p><a class="button-primary" href="/sign-in">Sign in</a></p>` : html`<p><a href="/">HomeAgent</a></p>`}
</main>`;
}

export function sharingSettingsPage(publicLinks: boolean, csrfToken: string, notice?: string): Html {
  return html`<main class="narrow">
  <p><a href="/settings" class="back">← Settings</a></p>
  <h1>Shared links</h1>
  ${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
  <form method="post" action="/settings/sharing" class="stacked">
    ${csrfField(csrfToken)}
    <p><label><input type="checkbox" name="publicLinks" value="on" ${publicLinks ? html`checked` : ''}> Anyone with a link can open a shared chat</label></p>
    <p class="hint">Off (the default): a shared link opens only for people signed in to this HomeAgent.</p>
    <button type="submit" class="button-primary">Save</button>
  </form>
</main>`;
}
