import { Type } from 'typebox';
import { ID_PATTERN } from './headers.js';
import { TOKEN_HASH_PATTERN } from '../token-hash.js';

const Id = Type.String({ minLength: 1, maxLength: 64, pattern: ID_PATTERN });

export const SessionParams = Type.Object({
  // session ids are base64url tokens
  sessionId: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' }),
});

export const ConversationParams = Type.Object({ conversationId: Id });

export const MessageParams = Type.Object({ conversationId: Id, messageId: Id });

export const UserParams = Type.Object({ userId: Id });

/** an invite by its id, the hash of its code (token-hash.ts) */
export const InviteParams = Type.Object({ id: Type.String({ pattern: TOKEN_HASH_PATTERN }) });

/** a session by its handle, the hash of its id */
export const SessionHandleParams = Type.Object({ handle: Type.String({ pattern: TOKEN_HASH_PATTERN }) });

/** reset-link tokens are base64url tokens (id-generator.ts) */
export const ResetTokenParams = Type.Object({
  token: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' }),
});
