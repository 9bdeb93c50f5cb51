/**
 * A conversation page's one live connection (issue 10): a single SSE
 * subscription to the conversation's topic and the person's list topic, so
 * six tabs stay under a browser's six HTTP/1.1 connections per origin.
 * app.js handles its named events (`delta`, `done`, `sent`, `renamed`,
 * `deleted`, `changed`): each event bubbles from `#live`. The page resumes
 * from the streaming reply's last update id, if there is one, so the hub's
 * history fills the gap between the render and the subscription.
 *
 * Beside it: the polite live region that announces a finished reply once
 * (the growing text itself is not live: a screen reader would be fed every
 * piece), and the notice shown when the chat is deleted elsewhere.
 */
import { html, type Html } from './html.js';

/** Same-origin hub URL: the edge (ALB locally) routes `/.well-known/mercure` to the hub. */
export function subscribeUrl(topics: string[], lastEventId: string | undefined): string {
  const query = new URLSearchParams();
  for (const topic of topics) query.append('topic', topic);
  if (lastEventId) query.set('lastEventID', lastEventId);
  return `/.well-known/mercure?${query.toString()}`;
}

export interface LiveConnectionOptions {
  conversationPath: string;
  topics: string[];
  lastEventId: string | undefined;
}

/** Where the list page fetches its list again when the person's chats changed elsewhere. */
export const LIST_REFRESH_PATH = '/conversation-list';

/**
 * The list page's one live connection: the person's list topic only. On each
 * `changed` (a new chat, a rename, a delete, new activity) app.js fetches
 * LIST_REFRESH_PATH, whose partial replaces the list.
 */
export function listLiveConnection(listTopic: string): Html {
  return html`<div id="live" hidden hx-sse:connect="${subscribeUrl([listTopic], undefined)}"
    data-refresh-path="${LIST_REFRESH_PATH}"></div>
<div id="live-sync" hidden></div>`;
}

export function liveConnection({ conversationPath, topics, lastEventId }: LiveConnectionOptions): Html {
  return html`<div id="live" hidden hx-sse:connect="${subscribeUrl(topics, lastEventId)}"
    data-conversation-path="${conversationPath}"></div>
<div id="live-sync" hidden></div>
<div id="announcer" class="visually-hidden" role="status" aria-live="polite" aria-atomic="true"></div>
<p id="chat-gone" class="notice" hidden>This chat was deleted in another tab or on another device. <a href="/">Back to your chats</a></p>`;
}
