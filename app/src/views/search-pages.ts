/**
 * Searching one's chats: the field above the chat list, and the results
 * page. Each hit links to its message in its conversation; its snippet is
 * escaped like any text, and only the found words are wrapped in <mark>.
 */
import { SEARCH_LIMITS, type SearchHit, type SearchResponse, type SnippetPart } from '@homeagent/contract';
import { conversationPath } from './conversation-pages.js';
import { html, type Html } from './html.js';
import { messageElementId } from './message-bubble.js';
import { timeStamp } from './time-stamp.js';

export const SEARCH_PATH = '/search';

export function searchForm(query = ''): Html {
  return html`<form role="search" class="search-chats" method="get" action="${SEARCH_PATH}">
  <label for="search-chats" class="visually-hidden">Search chats</label>
  <input id="search-chats" name="q" type="search" value="${query}" maxlength="${SEARCH_LIMITS.queryMax}" placeholder="Search chats" required>
  <button type="submit" class="button-quiet">Search</button>
</form>`;
}

function snippetMarkup(parts: SnippetPart[]): Html {
  return html`${parts.map((part) => (part.match ? html`<mark>${part.text}</mark>` : part.text))}`;
}

export function hitPath(hit: SearchHit): string {
  const path = conversationPath(hit.conversationId);
  return hit.messageId ? `${path}#${encodeURIComponent(messageElementId(hit.messageId))}` : path;
}

function hitItem(hit: SearchHit): Html {
  const what = hit.messageId ? (hit.role === 'user' ? 'You said' : 'Claude replied') : 'Chat title';
  return html`<li class="search-hit">
  <a href="${hitPath(hit)}">
    <span class="search-hit-title">${hit.conversationTitle || 'New chat'}</span>
    <span class="search-hit-meta">${what} · ${timeStamp(hit.createdAt)}</span>
    <span class="search-hit-snippet">${snippetMarkup(hit.snippet)}</span>
  </a>
</li>`;
}

export function searchResultsPage(query: string, result: SearchResponse | undefined, error?: string): Html {
  const count = result?.hits.length ?? 0;
  return html`<main class="narrow">
  <p><a href="/" class="back">← All chats</a></p>
  <h1>Search chats</h1>
  ${searchForm(query)}
  ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
  ${result
    ? html`<p class="search-summary" role="status">${count === 0
        ? html`Nothing in your chats matches “${query}”.`
        : html`${count}${result.truncated ? '+' : ''} ${count === 1 ? 'match' : 'matches'} for “${query}”${result.truncated ? ' (the newest shown)' : ''}.`}</p>
  <ol class="search-results">${result.hits.map(hitItem)}</ol>`
    : ''}
</main>`;
}
