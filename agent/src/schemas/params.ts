import { Type } from 'typebox';
import { LIMITS } from '@homeagent/contract';
import { ID_PATTERN } from './headers.js';

const Id = Type.String({ minLength: 1, maxLength: 64, pattern: ID_PATTERN });

export const SessionParams = Type.Object({
  // session ids are base64url tokens
  sessionId: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' }),
});

export const ConversationParams = Type.Object({ conversationId: Id });

export const MessageParams = Type.Object({ conversationId: Id, messageId: Id });

export const UserParams = Type.Object({ userId: Id });

/** invite codes are base64url tokens (id-generator.ts) */
export const InviteParams = Type.Object({
  code: Type.String({ minLength: 1, maxLength: LIMITS.inviteCodeMax, pattern: '^[A-Za-z0-9_-]+$' }),
});
