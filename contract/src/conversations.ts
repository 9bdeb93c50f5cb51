/** Conversations: a chat, the list, starting one with its first message, reading, renaming and deleting it. */
import { Type, type Static } from 'typebox';
import { LIMITS } from './limits.js';
import { Message, SendMessageRequest } from './messages.js';
import { TemperatureChoice, ThinkingChoice } from './models.js';

export const Conversation = Type.Object({
  id: Type.String(),
  userId: Type.String(),
  title: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  /** the model, temperature and thinking picked for this chat (remembered from the last send) */
  model: Type.Optional(Type.String()),
  temperature: Type.Optional(TemperatureChoice),
  thinking: Type.Optional(ThinkingChoice),
});
export type Conversation = Static<typeof Conversation>;

/** GET /v1/conversations (X-User-Id) → 200, newest first */
export const ConversationListResponse = Type.Object({ conversations: Type.Array(Conversation) });
export type ConversationListResponse = Static<typeof ConversationListResponse>;

/** POST /v1/conversations (X-User-Id) → 201 */
export const CreateConversationRequest = Type.Object({
  title: Type.Optional(Type.String({ maxLength: LIMITS.titleMax })),
});
export type CreateConversationRequest = Static<typeof CreateConversationRequest>;
export const ConversationResponse = Type.Object({ conversation: Conversation });
export type ConversationResponse = Static<typeof ConversationResponse>;

/**
 * POST /v1/conversations/start (X-User-Id) → 201 StartConversationResponse: a chat begins with its
 * first message ("New chat" stores nothing), named from that message at once. 400 validation
 * (blank text); 402 budget_exceeded. On any refusal nothing is stored: no empty conversation is left.
 */
/** The first message of a new chat, with the same choices (model, style, thinking) as any send. */
export const StartConversationRequest = SendMessageRequest;
export type StartConversationRequest = Static<typeof StartConversationRequest>;
export const StartConversationResponse = Type.Object({
  conversation: Conversation,
  userMessage: Message,
  assistantMessage: Message,
  /** the hub topic the reply streams on */
  topic: Type.String(),
});
export type StartConversationResponse = Static<typeof StartConversationResponse>;

/** GET /v1/conversations/:conversationId (X-User-Id) → 200; 404 not_found (also for another user's conversation) */
export const ConversationDetailResponse = Type.Object({
  conversation: Conversation,
  /** oldest first */
  messages: Type.Array(Message),
});
export type ConversationDetailResponse = Static<typeof ConversationDetailResponse>;

/**
 * PATCH /v1/conversations/:conversationId (X-User-Id) → 200 ConversationResponse; 404 not_found
 * (also for another person's, or one being deleted); 400 validation when the trimmed title is
 * empty or longer than `LIMITS.titleMax`. The conversation keeps its place in the list.
 */
export const RenameConversationRequest = Type.Object({
  title: Type.String({ minLength: 1, maxLength: LIMITS.titleMax }),
});
export type RenameConversationRequest = Static<typeof RenameConversationRequest>;

/**
 * DELETE /v1/conversations/:conversationId (X-User-Id) → 204: the conversation and all its
 * messages are gone (it leaves lists and reads at once, before its messages are removed);
 * 404 not_found (also for another person's); 409 reply_in_progress while a reply streams
 * (stop the reply first, then delete).
 */
