import { Type, type Static } from 'typebox';
import { LIMITS, TemperatureChoice, ThinkingChoice } from '@homeagent/contract';

/** Ids the agent hands out are short and URL-safe; anything else cannot exist. */
const Id = Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' });

export const ConversationParams = Type.Object({ conversationId: Id });
export type ConversationParams = Static<typeof ConversationParams>;

export const MessageParams = Type.Object({ conversationId: Id, messageId: Id });
export type MessageParams = Static<typeof MessageParams>;

export const SendMessageForm = Type.Object({
  _csrf: Type.Optional(Type.String({ maxLength: 1_000 })),
  text: Type.String({ minLength: 1, maxLength: LIMITS.messageMax }),
  model: Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.modelIdMax })),
  temperature: Type.Optional(TemperatureChoice),
  thinking: Type.Optional(ThinkingChoice),
});
export type SendMessageForm = Static<typeof SendMessageForm>;

/** The title is checked after trimming in the route, so the length here only keeps absurd bodies out. */
export const RenameForm = Type.Object({
  _csrf: Type.Optional(Type.String({ maxLength: 1_000 })),
  title: Type.String({ maxLength: 1_000 }),
});
export type RenameForm = Static<typeof RenameForm>;
