/**
 * What keeps every open page of a person in sync (issue 10): one SSE
 * subscription per page, to its conversation's topic and to the person's
 * list topic, and the named events the agent publishes on them. Pages fetch
 * rendered bubbles and the sidebar from the app when told; events carry ids
 * and small facts only, except `delta`, which carries the reply as it streams.
 */
import { Type, type Static } from 'typebox';

/** The person's list topic: a conversation appeared, moved, was renamed or deleted. */
export function conversationListTopic(publicUrl: string, userId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/users/${encodeURIComponent(userId)}/conversations`;
}

/**
 * `delta` (conversation topic, id `<messageId>:<sequence>`): the next step of a
 * streaming reply. `html`: blocks that just finished, rendered by
 * `@homeagent/markdown`, to append; `text`: the unfinished block's text, to
 * append to the plain tail, or to replace it when `replace`. The last delta
 * before `done` renders the rest and empties the tail.
 */
export const DeltaEvent = Type.Object({
  messageId: Type.String(),
  html: Type.String(),
  text: Type.String(),
  replace: Type.Boolean(),
  /** the reply's raw text this piece adds, for readers that check delivery against the stored text; pages ignore it */
  raw: Type.String(),
});
export type DeltaEvent = Static<typeof DeltaEvent>;
export const DELTA_EVENT = 'delta';

/** `sent` (conversation topic): a message was sent, from whichever tab or device; fetch both bubbles. */
export const SentEvent = Type.Object({
  conversationId: Type.String(),
  userMessageId: Type.String(),
  assistantMessageId: Type.String(),
});
export type SentEvent = Static<typeof SentEvent>;
export const SENT_EVENT = 'sent';

/** `renamed` (conversation topic) and `deleted` (conversation topic): the chat itself changed. */
export const ConversationEvent = Type.Object({ conversationId: Type.String() });
export type ConversationEvent = Static<typeof ConversationEvent>;
export const RENAMED_EVENT = 'renamed';
export const DELETED_EVENT = 'deleted';

/** `changed` (list topic): the sidebar is out of date (new chat, new activity, new title, gone). */
export const CHANGED_EVENT = 'changed';
