import { Type, type Static } from 'typebox';
import { ATTACHMENT_ID_PATTERN, IDEMPOTENCY_KEY_PATTERN, LIMITS, TemperatureChoice, ThinkingChoice } from '@homeagent/contract';
import type { UploadedFile } from '../plugins/external/multipart.js';

/** Ids the agent hands out are short and URL-safe; anything else cannot exist. */
const Id = Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' });

export const ConversationParams = Type.Object({ conversationId: Id });
export type ConversationParams = Static<typeof ConversationParams>;

export const MessageParams = Type.Object({ conversationId: Id, messageId: Id });
export type MessageParams = Static<typeof MessageParams>;

const AttachmentId = Type.String({ pattern: ATTACHMENT_ID_PATTERN });

/** urlencoded (htmx, the script) or multipart (no script: the picker's files come too); blank text is refused in the route, beside the form. */
export const SendMessageForm = Type.Object({
  _csrf: Type.Optional(Type.String({ maxLength: 1_000 })),
  text: Type.String({ maxLength: LIMITS.messageMax }),
  /** uploads waiting in the composer (one hidden field each) */
  attachmentIds: Type.Optional(Type.Union([AttachmentId, Type.Array(AttachmentId, { maxItems: 100 })])),
  /** the picker's files of a plain form post (multipart.ts reads them) */
  files: Type.Optional(Type.Unsafe<UploadedFile | UploadedFile[]>({})),
  /** a chip's Remove button without a script: the upload to remove, the rest of the form kept */
  remove: Type.Optional(AttachmentId),
  model: Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.modelIdMax })),
  temperature: Type.Optional(TemperatureChoice),
  thinking: Type.Optional(ThinkingChoice),
  /** the composer's random key (message-submission.ts): the same form sent again is the same send */
  sendKey: Type.Optional(Type.String({ pattern: IDEMPOTENCY_KEY_PATTERN })),
});
export type SendMessageForm = Static<typeof SendMessageForm>;

/** The title is checked after trimming in the route, so the length here only keeps absurd bodies out. */
export const RenameForm = Type.Object({
  _csrf: Type.Optional(Type.String({ maxLength: 1_000 })),
  title: Type.String({ maxLength: 1_000 }),
});
export type RenameForm = Static<typeof RenameForm>;
