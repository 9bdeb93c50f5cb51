/**
 * The hub topics a reply streams on and the events of the stream (the
 * events that keep pages in sync are in live-events.ts).
 */
import { Type, type Static } from 'typebox';
import { MessageState, Usage } from './messages.js';

/** The private topic a conversation's replies stream on. */
export function conversationTopic(publicUrl: string, userId: string, conversationId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/users/${encodeURIComponent(userId)}/conversations/${encodeURIComponent(conversationId)}`;
}

/** The subscribe selector that grants a person all of their own topics (and nobody else's). */
export function userTopicSelector(publicUrl: string, userId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/users/${encodeURIComponent(userId)}/{+rest}`;
}

/**
 * Events the agent publishes on a conversation topic (all private, all with an id):
 * - `start`: published before the 202 answer, id `<messageId>:000000`, `data` JSON `{ messageId }`.
 *   A new assistant message's `lastEventId` is this id, so a subscriber that connects with
 *   `lastEventID=<that id>` gets every later piece from the hub's history: nothing published
 *   between the 202 and the browser's subscription is lost.
 * - `delta`: the next step of the reply, JSON `DeltaEvent` (live-events.ts): finished blocks
 *   rendered, the unfinished block as text.
 * - `done`: `data` is JSON `DoneEvent`; the stream for that message is over.
 * Every update id is `<messageId>:<sequence>` with a six-digit zero-padded sequence.
 * Only one reply streams per conversation at a time (409 `reply_in_progress`). The same topic
 * also carries `sent`, `renamed` and `deleted` (live-events.ts), so a page subscribes once.
 */
export const DoneEvent = Type.Object({
  messageId: Type.String(),
  state: MessageState,
  usage: Type.Optional(Usage),
  error: Type.Optional(Type.String()),
  cutShortByBudget: Type.Optional(Type.Boolean()),
});
export type DoneEvent = Static<typeof DoneEvent>;
export const DONE_EVENT = 'done';
export const START_EVENT = 'start';
/**
 * `thinking`: `data` is the next piece of Claude's reasoning, HTML-escaped, to append to the
 * reply's "Thinking…" section; it comes before the reply's text pieces.
 */
export const THINKING_EVENT = 'thinking';

/** The id of the n-th update of a message's stream (0 = the `start` event). */
export function updateId(messageId: string, sequence: number): string {
  return `${messageId}:${String(sequence).padStart(6, '0')}`;
}
