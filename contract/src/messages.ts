/** The messages of a conversation: a message and its usage, sending one, reading one, stopping a reply. */
import { Type, type Static } from 'typebox';
import { Attachment, ATTACHMENT_ID_PATTERN } from './attachments.js';
import { LIMITS } from './limits.js';
import { TemperatureChoice, ThinkingChoice } from './models.js';

export const MessageState = Type.Union([
  Type.Literal('complete'),
  Type.Literal('streaming'),
  Type.Literal('stopped'),
  Type.Literal('error'),
]);
export type MessageState = Static<typeof MessageState>;

export const Usage = Type.Object({
  /** input tokens not read from or written to the cache */
  inputTokens: Type.Integer(),
  /** output tokens, thinking included */
  outputTokens: Type.Integer(),
  /** input tokens read from the prompt cache (Bedrock `cacheReadInputTokens`) */
  cacheReadTokens: Type.Optional(Type.Integer()),
  /** input tokens written to the prompt cache (Bedrock `cacheWriteInputTokens`) */
  cacheWriteTokens: Type.Optional(Type.Integer()),
  /** USD, from the model's configured prices; 0 when no price is known */
  costUsd: Type.Number(),
});
export type Usage = Static<typeof Usage>;

export const Message = Type.Object({
  id: Type.String(),
  conversationId: Type.String(),
  role: Type.Union([Type.Literal('user'), Type.Literal('assistant')]),
  /** raw text (Markdown for assistant replies); never HTML-escaped here */
  text: Type.String(),
  state: MessageState,
  createdAt: Type.String(),
  /** for a streaming assistant message: id of the last hub update contained in `text` */
  lastEventId: Type.Optional(Type.String()),
  model: Type.Optional(Type.String()),
  /** the model's display name from the catalogue when the reply was made */
  modelName: Type.Optional(Type.String()),
  usage: Type.Optional(Usage),
  /** for state `error`: a sentence a person understands */
  error: Type.Optional(Type.String()),
  /**
   * for state `error`: true when sending the same text again fails the same way
   * (Bedrock refused the request); the user message before it then leaves the context
   */
  errorFinal: Type.Optional(Type.Boolean()),
  /** what Claude thought before replying (reasoning text; the signature stays in the agent) */
  thinking: Type.Optional(Type.String()),
  /** for an assistant reply: how many earlier messages of the chat Claude saw, and how many were left out */
  context: Type.Optional(Type.Object({ sent: Type.Integer(), leftOut: Type.Integer() })),
  /** for a user message: the files sent with it, in the order they were attached (metadata only) */
  attachments: Type.Optional(Type.Array(Attachment)),
  /** true when the reply ended early because its output was limited to fit the person's budget */
  cutShortByBudget: Type.Optional(Type.Boolean()),
});
export type Message = Static<typeof Message>;

/**
 * The uploads (POST /v1/attachments) a message carries. Each must be the sender's own and
 * still pending; Bedrock's per-message limits (20 images, 5 documents) are checked on send:
 * 400 `attachment_not_found`, `too_many_attachments`. A refused send leaves them pending.
 */
export const AttachmentIds = Type.Array(Type.String({ pattern: ATTACHMENT_ID_PATTERN }), { maxItems: 25, uniqueItems: true });

/**
 * POST /v1/conversations/:conversationId/messages (X-User-Id) → 202 at once;
 * 404 not_found; 409 reply_in_progress; 402 budget_exceeded; 400 validation;
 * 400 model_unavailable (a disabled or unknown model: the message names the usable ones).
 * `model`, `temperature` and `thinking` are remembered on the conversation; when left
 * out, the conversation's (else the admin's default model, the model's temperature, thinking off).
 */
export const SendMessageRequest = Type.Object({
  text: Type.String({ minLength: 1, maxLength: LIMITS.messageMax }),
  model: Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.modelIdMax })),
  temperature: Type.Optional(TemperatureChoice),
  thinking: Type.Optional(ThinkingChoice),
  attachmentIds: Type.Optional(AttachmentIds),
});
export type SendMessageRequest = Static<typeof SendMessageRequest>;
export const SendMessageResponse = Type.Object({
  userMessage: Message,
  assistantMessage: Message,
  /** the hub topic the reply streams on */
  topic: Type.String(),
});
export type SendMessageResponse = Static<typeof SendMessageResponse>;

/** GET /v1/conversations/:conversationId/messages/:messageId (X-User-Id) → 200; 404 */
export const MessageResponse = Type.Object({ message: Message });
export type MessageResponse = Static<typeof MessageResponse>;

/** POST /v1/conversations/:conversationId/messages/:messageId/stop (X-User-Id) → 200 MessageResponse (state `stopped`, partial text kept); 404; 409 not_streaming */
